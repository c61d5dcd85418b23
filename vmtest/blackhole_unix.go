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

// forkLockSocket opens a close-on-exec TCP socket where SOCK_CLOEXEC is
// missing (macOS): it holds syscall.ForkLock, as the net package does,
// so that no child started meanwhile inherits the socket.
func forkLockSocket() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(fd)
	return fd, nil
}
