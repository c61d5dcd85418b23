//go:build unix

package sshd

import "syscall"

// ownProcessGroup puts the command in a process group of its own.
func ownProcessGroup() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
