//go:build !unix

package vmtest

// blackholeSocket fails: a blackhole needs Unix sockets with a backlog
// of zero.
func blackholeSocket() (int, error) { return -1, ErrUnsupported }

// listenZeroBacklog is never reached: blackholeSocket fails first.
func listenZeroBacklog(int) (int, error) { return 0, ErrUnsupported }

// closeSocket does nothing: no socket was opened.
func closeSocket(int) {}
