// Package errtext holds the error-message rules that vmconn and its
// feature packages share: every message starts with "vmconn: " once, at
// the outermost error, and the end of a context reads the same wherever
// an operation was cut short.
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

// prefixed is an error that wraps others: its message starts with Prefix
// and carries it nowhere else.
type prefixed struct{ err error }

func (e *prefixed) Error() string { return Prefix + Bare(e.err) }

func (e *prefixed) Unwrap() error { return e.err }

// Errorf is fmt.Errorf for vmconn's errors: format has no prefix; the
// message gets Prefix once, even when an error it wraps has its own.
func Errorf(format string, args ...any) error {
	return &prefixed{err: fmt.Errorf(format, args...)}
}

// ContextError reports the end of ctx: the caller's cancel or deadline
// (context.Canceled, context.DeadlineExceeded, with the caller's cause if
// one was given), or a cause for which own reports true (one of vmconn's
// own timeouts), alone. cause, what the operation last failed with, is
// kept in the message when it says more than the ending itself (a closed
// connection or a passed deadline does not); it is not wrapped, so it
// cannot change the class. It returns cause while ctx has not ended.
func ContextError(ctx context.Context, cause error, own func(error) bool) error {
	why := ContextEnd(ctx, own)
	switch {
	case why == nil:
		return cause
	case cause == nil || errors.Is(cause, net.ErrClosed) || errors.Is(cause, os.ErrDeadlineExceeded) ||
		errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded):
		return why
	}
	return fmt.Errorf("%w (last: %s)", why, Bare(cause))
}

// ContextEnd returns why ctx ended, or nil while it has not; own (may be
// nil) picks the causes that stand alone, without ctx's error before them.
func ContextEnd(ctx context.Context, own func(error) bool) error {
	err, why := ctx.Err(), context.Cause(ctx)
	switch {
	case err == nil:
		return nil
	case why == nil || errors.Is(why, err) || (own != nil && own(why)):
		return why
	}
	return fmt.Errorf("%w: %w", err, why) // the caller's own cause
}
