//go:build unix

package vmtest

import (
	"errors"
	"syscall"
)

// sessionAttr makes a child the leader of a new session and process
// group (pid == pgid), as sshd does.
func sessionAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// ttySessionAttr is sessionAttr with the child's stdin, a pty, as its
// controlling terminal.
func ttySessionAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
}

// killGroup sends sig to every process of group pgid.
func killGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}

// pidGone reports whether no process, not even a zombie, has id pid.
func pidGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// groupEmpty reports whether process group pgid has no members.
func groupEmpty(pgid int) bool {
	return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}
