//go:build windows

package main

import "syscall"

// detached: Windows has no masters (control.ErrUnsupported).
func detached() *syscall.SysProcAttr { return nil }
