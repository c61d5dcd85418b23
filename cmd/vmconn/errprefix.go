package main

import "strings"

// prefixedError is a CLI error that says "vmconn: " once: the library's
// errors already start with it.
type prefixedError struct {
	op  string // "cp", or ""
	err error
}

func (e *prefixedError) Error() string {
	s := bareMsg(e.err)
	if e.op != "" {
		s = e.op + ": " + s
	}
	return "vmconn: " + s
}

func (e *prefixedError) Unwrap() error { return e.err }

// vmErr returns err under the "vmconn: " prefix (and op, if not empty),
// without doubling the prefix err may have.
func vmErr(op string, err error) error { return &prefixedError{op: op, err: err} }

// bareMsg returns err's message without its "vmconn: " prefix, for a
// message that has its own.
func bareMsg(err error) string { return strings.TrimPrefix(err.Error(), "vmconn: ") }
