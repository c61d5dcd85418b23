//go:build unix

package sshdtest_test

import "syscall"

// killPid sends SIGKILL to pid.
func killPid(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
