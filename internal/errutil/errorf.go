package errutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
)

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

// Ended reports an operation cut short by the end of its context, why
// (ContextEnd's answer, or the core's own; nil: the context has not
// ended, and cause is returned). cause, what the operation last failed
// with, is kept in the message when it says more than the ending itself
// (a closed connection or a passed deadline does not); it is not
// wrapped, so it cannot change the class.
func Ended(why, cause error) error {
	switch {
	case why == nil:
		return cause
	case cause == nil || errors.Is(cause, net.ErrClosed) || errors.Is(cause, os.ErrDeadlineExceeded) ||
		errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded):
		return why
	}
	return fmt.Errorf("%w (last: %s)", why, Bare(cause))
}

// ContextError is Ended(ContextEnd(ctx), cause): the end of the caller's
// ctx, with what the operation last failed with when it says more.
func ContextError(ctx context.Context, cause error) error {
	return Ended(ContextEnd(ctx), cause)
}
