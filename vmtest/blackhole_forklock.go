//go:build unix && !linux

package vmtest

import "syscall"

// blackholeSocket opens a close-on-exec TCP socket. Without
// SOCK_CLOEXEC (macOS), it holds syscall.ForkLock as the net package
// does, so that no child started meanwhile inherits the socket.
func blackholeSocket() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(fd)
	return fd, nil
}
