//go:build !windows

package main

import "syscall"

// detached makes a master its own session: no terminal, and a signal to
// the caller's process group does not reach it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
