//go:build !unix

package sshd

import "syscall"

// ownProcessGroup returns no attributes: process groups are a unix
// notion, and OpenSSH's sshd runs on unix alone.
func ownProcessGroup() *syscall.SysProcAttr { return nil }
