package vmconn

import (
	"fmt"
	"strings"
)

// errPrefix starts every error message of vmconn, once: at the outermost
// error. Errors that wrap others render them with bareText.
const errPrefix = "vmconn: "

// bareText returns err's message without errPrefix: neither its own nor
// that of any error it wraps (found where the wrapped error's message
// sits in err's), so that the error wrapping it says "vmconn: " once.
func bareText(err error) string {
	s := err.Error()
	for _, w := range wrapped(err) {
		if w == nil {
			continue
		}
		if ws, b := w.Error(), bareText(w); b != ws {
			s = strings.Replace(s, ws, b, 1)
		}
	}
	return strings.TrimPrefix(s, errPrefix)
}

// wrapped returns the errors err wraps directly.
func wrapped(err error) []error {
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}

// prefixedError is an error of vmconn that wraps others: its message
// starts with errPrefix and carries it nowhere else.
type prefixedError struct{ err error }

func (e *prefixedError) Error() string { return errPrefix + bareText(e.err) }

func (e *prefixedError) Unwrap() error { return e.err }

// errorf is fmt.Errorf for vmconn's errors: format has no prefix; the
// message gets errPrefix once, even when an error it wraps has its own.
func errorf(format string, args ...any) error {
	return &prefixedError{err: fmt.Errorf(format, args...)}
}
