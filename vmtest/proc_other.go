//go:build !unix

package vmtest

import "syscall"

// The server never starts a process here (Start fails with
// ErrUnsupported), so these only keep the package building.

// sessionAttr returns nil: there are no sessions to start.
func sessionAttr() *syscall.SysProcAttr { return nil }

// ttySessionAttr returns nil: there are no ptys.
func ttySessionAttr() *syscall.SysProcAttr { return nil }

// killGroup fails: there are no process groups.
func killGroup(int, syscall.Signal) error { return ErrUnsupported }

// pidGone reports true: the server started no process.
func pidGone(int) bool { return true }

// groupEmpty reports true: the server started no process group.
func groupEmpty(int) bool { return true }
