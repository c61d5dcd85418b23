//go:build unix

package vmtest

import "syscall"

// listenZeroBacklog binds fd to 127.0.0.1 on a free port, listens with a
// backlog of zero and returns the port.
func listenZeroBacklog(fd int) (int, error) {
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, err
	}
	if err := syscall.Listen(fd, 0); err != nil {
		return 0, err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	return sa.(*syscall.SockaddrInet4).Port, nil
}

// closeSocket closes fd.
func closeSocket(fd int) { syscall.Close(fd) }
