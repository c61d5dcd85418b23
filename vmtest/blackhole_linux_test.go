package vmtest

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSocketsCloseOnExec: both ways of opening the blackhole's socket,
// Linux's SOCK_CLOEXEC and the ForkLock fallback that macOS and FreeBSD
// use, give a close-on-exec socket.
func TestSocketsCloseOnExec(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func() (int, error){
		"SOCK_CLOEXEC": blackholeSocket,
		"ForkLock":     forkLockSocket,
	} {
		fd, err := open()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		syscall.Close(fd)
		if err != nil || flags&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: fd flags %#x, %v: want FD_CLOEXEC", name, flags, err)
		}
	}
}
