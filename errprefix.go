package vmconn

import "github.com/vmconn/vmconn/internal/errtext"

// errPrefix starts every error message of vmconn, once: at the outermost
// error (see internal/errtext, which the feature packages share).
const errPrefix = errtext.Prefix

// bareText returns err's message without errPrefix, its own or that of
// any error it wraps.
func bareText(err error) string { return errtext.Bare(err) }

// errorf is fmt.Errorf for vmconn's errors: format has no prefix; the
// message gets errPrefix once, even when an error it wraps has its own.
func errorf(format string, args ...any) error { return errtext.Errorf(format, args...) }
