package vmconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// timeoutError ends a context bounded by one of vmconn's own timeouts
// (Config.ConnectTimeout, Config.ReconnectTimeout), so that its end reads
// as that timeout, "connect timeout (15s)", and wraps ErrTimeout; the
// caller's own deadline stays context.DeadlineExceeded.
type timeoutError struct {
	what string // "connect timeout"
	d    time.Duration
}

func (e *timeoutError) Error() string { return fmt.Sprintf("%s (%v)", e.what, e.d) }

// Unwrap returns ErrTimeout.
func (e *timeoutError) Unwrap() error { return ErrTimeout }

// Timeout reports true, as net errors do for a timeout.
func (e *timeoutError) Timeout() bool { return true }

// withTimeout bounds ctx by one of vmconn's own timeouts, named what.
func withTimeout(ctx context.Context, what string, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, &timeoutError{what: what, d: d})
}

// contextError reports the end of ctx: the caller's cancel or deadline
// (context.Canceled, context.DeadlineExceeded, with the caller's cause if
// one was given), or one of vmconn's own timeouts (ErrTimeout). cause,
// what the operation last failed with, is kept in the message when it
// says more than the ending itself (a closed connection or a passed
// deadline does not); it is not wrapped, so it cannot change the class.
func contextError(ctx context.Context, cause error) error {
	why := contextEnd(ctx)
	switch {
	case why == nil:
		return cause
	case cause == nil || errors.Is(cause, net.ErrClosed) || errors.Is(cause, os.ErrDeadlineExceeded) ||
		errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded):
		return why
	}
	return fmt.Errorf("%w (last: %s)", why, bareText(cause))
}

// contextEnd returns why ctx ended, or nil while it has not.
func contextEnd(ctx context.Context) error {
	err, why := ctx.Err(), context.Cause(ctx)
	var te *timeoutError
	switch {
	case err == nil:
		return nil
	case why == nil || errors.Is(why, err) || errors.As(why, &te):
		return why
	}
	return fmt.Errorf("%w: %w", err, why) // the caller's own cause
}

// ctxEnded reports whether err is ctx's end: ctx is done, or err is the
// timeout of a net deadline set from ctx's deadline, which can fire a
// moment before ctx's own timer (then it waits for that timer).
func ctxEnded(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	if !ok || !isTimeout(err) || time.Now().Before(dl) {
		return false
	}
	<-ctx.Done()
	return true
}
