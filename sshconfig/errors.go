package sshconfig

import "strings"

// hopError is a jump host's resolution error, named after the hop. The
// hop's own error already starts with "vmconn: "; the prefix is said
// once, at the front.
type hopError struct {
	hop string
	err error
}

func (e *hopError) Error() string {
	return "vmconn: jump host " + e.hop + ": " + strings.TrimPrefix(e.err.Error(), "vmconn: ")
}

// Unwrap returns the hop's error.
func (e *hopError) Unwrap() error { return e.err }
