//go:build !unix

package sshdtest

import (
	"errors"
	"syscall"
)

// errPlatform says why the harness cannot run here: OpenSSH's sshd, local
// users and process signals are unix things. Available reports it, so
// that Start and NewUser skip (or fail under CI=true) instead of the
// package failing to build.
var errPlatform = errors.New("sshdtest: the OpenSSH sshd harness runs on unix only")

// killPid reports errPlatform.
func killPid(int) error { return errPlatform }

// asUser returns no attributes: running as another user needs unix
// credentials (NewUser skips before any command is made).
func asUser(int, int) *syscall.SysProcAttr { return nil }
