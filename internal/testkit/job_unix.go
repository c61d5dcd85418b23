//go:build unix

package testkit

import (
	"errors"
	"os"
	"syscall"
)

// killGroup sends SIGKILL to the process group pgid.
func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// lockedByOther reports whether another process holds a lock (flock) on f.
func lockedByOther(f *os.File) bool {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}

// kill sends SIGKILL to the process pid.
func kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
