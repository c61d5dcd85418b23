package errutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// Errorf is fmt.Errorf for vmconn's errors: format has no prefix; the
// message gets Prefix once, even where the errors it wraps, at any depth
// (several %w included), carry their own.
func Errorf(format string, args ...any) error {
	return &prefixed{err: fmt.Errorf(format, args...)}
}

// prefixed is an error that wraps others: its message starts with Prefix
// and carries it nowhere else.
type prefixed struct{ err error }

func (e *prefixed) Error() string { return Prefix + BareAll(e.err) }

func (e *prefixed) Unwrap() error { return e.err }

// BareAll returns err's message without Prefix: neither its own nor that
// of any error it wraps (found where the wrapped error's message sits in
// err's), so that an error wrapping it says "vmconn: " once.
func BareAll(err error) string {
	s := err.Error()
	for _, w := range wrapped(err) {
		if w == nil {
			continue
		}
		if ws, b := w.Error(), BareAll(w); b != ws {
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

// ContextError reports the end of the caller's ctx (see ContextEnd), or
// returns cause while ctx has not ended. cause, what the operation last
// failed with, is kept in the message when it says more than the ending
// itself (a closed connection or a passed deadline does not); it is not
// wrapped, so it cannot change the class.
func ContextError(ctx context.Context, cause error) error {
	why := ContextEnd(ctx)
	switch {
	case why == nil:
		return cause
	case cause == nil || errors.Is(cause, net.ErrClosed) || errors.Is(cause, os.ErrDeadlineExceeded) ||
		errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded):
		return why
	}
	return fmt.Errorf("%w (last: %s)", why, BareAll(cause))
}
