package errutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

// TestErrorfPrefixOnce: the prefix appears once, however deep the wrapped
// errors that carry their own (several %w too), and errors.Is finds them.
func TestErrorfPrefixOnce(t *testing.T) {
	t.Parallel()
	inner := errors.New("vmconn: inner")
	exit := errors.New("vmconn: command exited with status 143")
	err := Errorf("outer: %w: %w", fmt.Errorf("vmconn: middle: %w", inner), exit)
	if got, want := err.Error(), "vmconn: outer: middle: inner: command exited with status 143"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(err, inner) || !errors.Is(err, exit) {
		t.Error("errors.Is lost a wrapped error")
	}
}

// TestContextError: a live context returns the cause; an ended one its
// end, with the last cause in the message when it says more.
func TestContextError(t *testing.T) {
	t.Parallel()
	cause := errors.New("vmconn: link reset")
	if got := ContextError(context.Background(), cause); got != cause {
		t.Errorf("live context: %v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ContextError(ctx, cause)
	if !errors.Is(err, context.Canceled) || errors.Is(err, cause) || err.Error() != "context canceled (last: link reset)" {
		t.Errorf("ContextError = %v", err)
	}
	if err := ContextError(ctx, net.ErrClosed); err != context.Canceled {
		t.Errorf("ContextError(net.ErrClosed) = %v; want context.Canceled alone", err)
	}
}
