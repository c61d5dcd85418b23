package vmconn

import "github.com/vmconn/vmconn/internal/errutil"

// errPrefix starts every error message of vmconn, once: at the outermost
// error. Errors that wrap others render them with bareText. The rules
// live in internal/errutil, shared with the feature packages.
const errPrefix = errutil.Prefix

// bareText returns err's message without errPrefix, its own or that of
// any error it wraps (errutil.BareAll).
func bareText(err error) string { return errutil.BareAll(err) }

// errorf is fmt.Errorf for vmconn's errors: format has no prefix; the
// message gets errPrefix once, even when an error it wraps has its own.
func errorf(format string, args ...any) error { return errutil.Errorf(format, args...) }
