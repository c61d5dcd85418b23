//go:build unix && !linux

package vmtest

// blackholeSocket opens a close-on-exec TCP socket.
func blackholeSocket() (int, error) { return forkLockSocket() }
