//go:build unix

package job_test

import (
	"errors"
	"syscall"
)

// processGone reports whether no process has the given pid (kill -0
// answers ESRCH).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// killPid sends SIGKILL to pid.
func killPid(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
