package errtext

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestErrorfPrefixOnce: the prefix appears once, however deep the wrapped
// errors that carry their own, and errors.Is still finds them.
func TestErrorfPrefixOnce(t *testing.T) {
	t.Parallel()
	inner := errors.New("vmconn: inner")
	err := Errorf("outer: %w", fmt.Errorf("vmconn: middle: %w", inner))
	if got, want := err.Error(), "vmconn: outer: middle: inner"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(err, inner) {
		t.Error("errors.Is lost the inner error")
	}
}

// TestContextError: a cancelled context is context.Canceled, with the last
// cause in the message when it says more; a live one returns the cause.
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
	if err := ContextError(ctx, context.Canceled); err.Error() != "context canceled" {
		t.Errorf("ContextError(Canceled) = %v", err)
	}
	why := errors.New("shutting down")
	ctx, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(why)
	if err := ContextError(ctx, nil); !errors.Is(err, context.Canceled) || !errors.Is(err, why) {
		t.Errorf("caller's cause: %v", err)
	}
}
