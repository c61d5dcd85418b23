package sshconfig

import "github.com/vmconn/vmconn/internal/errutil"

// hopError is a jump host's resolution error, named after the hop. The
// hop's own error already starts with "vmconn: "; the prefix is said
// once, at the front.
type hopError struct {
	hop string
	err error
}

func (e *hopError) Error() string {
	return errutil.Prefix + "jump host " + e.hop + ": " + errutil.Bare(e.err)
}

// Unwrap returns the hop's error.
func (e *hopError) Unwrap() error { return e.err }
