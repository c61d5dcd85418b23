package errutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

func TestErrorfPrefixOnce(t *testing.T) {
	t.Parallel()
	inner := Errorf("session %s: %w", "h:22", errors.New("EOF"))
	err := Errorf("upload: checksum of x: %w", inner)
	if want := "vmconn: upload: checksum of x: session h:22: EOF"; err.Error() != want {
		t.Errorf("%q; want %q", err, want)
	}
	if !errors.Is(err, inner) {
		t.Error("the inner error is not wrapped")
	}
	if got := Bare(fmt.Errorf("a: %w", inner)); got != "a: session h:22: EOF" {
		t.Errorf("Bare = %q", got)
	}
}

func TestContextError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cause := errors.New("sftp: connection lost")
	if got := ContextError(ctx, cause); got != cause {
		t.Errorf("before the end: %v; want the cause", got)
	}
	cancel()
	if got := ContextError(ctx, net.ErrClosed); got != context.Canceled {
		t.Errorf("closed connection: %v; want context.Canceled alone", got)
	}
	got := ContextError(ctx, Errorf("x: %w", cause))
	if !errors.Is(got, context.Canceled) || errors.Is(got, cause) || got.Error() != "context canceled (last: x: sftp: connection lost)" {
		t.Errorf("with a cause: %q", got)
	}
	own := errors.New("connect timeout (1s)")
	if got := Ended(own, nil); got != own {
		t.Errorf("Ended(own, nil) = %v; want own alone", got)
	}
}
