//go:build !unix

package vmtest

import "syscall"

// signals is empty: the server runs no command here (Start fails with
// ErrUnsupported), so no "signal" request can be delivered.
var signals = map[string]syscall.Signal{}
