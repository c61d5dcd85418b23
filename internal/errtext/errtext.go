// Package errtext makes the messages of vmconn's errors say "vmconn: "
// once, at the outermost error, for the core and the feature packages
// alike: Errorf prefixes a message and strips the prefix of every error it
// wraps, and ContextError reports the end of a caller's context as the
// core does.
package errtext

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// Prefix starts every error message of vmconn, once: at the outermost
// error. Errors that wrap others render them with Bare.
const Prefix = "vmconn: "

// Bare returns err's message without Prefix: neither its own nor that of
// any error it wraps (found where the wrapped error's message sits in
// err's), so that the error wrapping it says "vmconn: " once.
func Bare(err error) string {
	s := err.Error()
	for _, w := range wrapped(err) {
		if w == nil {
			continue
		}
		if ws, b := w.Error(), Bare(w); b != ws {
			s = strings.Replace(s, ws, b, 1)
		}
	}
	return strings.TrimPrefix(s, Prefix)
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
// starts with Prefix and carries it nowhere else.
type prefixedError struct{ err error }

func (e *prefixedError) Error() string { return Prefix + Bare(e.err) }

func (e *prefixedError) Unwrap() error { return e.err }

// Errorf is fmt.Errorf for vmconn's errors: format has no prefix; the
// message gets Prefix once, even when an error it wraps has its own.
func Errorf(format string, args ...any) error {
	return &prefixedError{err: fmt.Errorf(format, args...)}
}

// ContextError reports the end of a caller's ctx: context.Canceled or
// context.DeadlineExceeded, with the caller's cause if one was given.
// cause, what the operation last failed with, is kept in the message when
// it says more than the ending itself (a closed connection or a passed
// deadline does not); it is not wrapped, so it cannot change the class.
// While ctx has not ended it returns cause.
func ContextError(ctx context.Context, cause error) error {
	why := contextEnd(ctx)
	switch {
	case why == nil:
		return cause
	case cause == nil || errors.Is(cause, net.ErrClosed) || errors.Is(cause, os.ErrDeadlineExceeded) ||
		errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded):
		return why
	}
	return fmt.Errorf("%w (last: %s)", why, Bare(cause))
}

// contextEnd returns why ctx ended, or nil while it has not.
func contextEnd(ctx context.Context) error {
	err, why := ctx.Err(), context.Cause(ctx)
	switch {
	case err == nil:
		return nil
	case why == nil || errors.Is(why, err):
		return why
	}
	return fmt.Errorf("%w: %w", err, why) // the caller's own cause
}
