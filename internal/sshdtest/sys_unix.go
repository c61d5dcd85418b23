//go:build unix

package sshdtest

import "syscall"

// errPlatform is nil: the harness runs OpenSSH's sshd, a unix program.
var errPlatform error

// killPid sends SIGKILL to pid.
func killPid(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// asUser makes a command run with uid and gid and no supplementary
// groups, in a session of its own.
func asUser(uid, gid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}},
		Setsid:     true,
	}
}
