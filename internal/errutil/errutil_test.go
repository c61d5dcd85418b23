package errutil

import (
	"context"
	"errors"
	"os"
	"testing"
)

var errClass = errors.New("class")

func TestClassed(t *testing.T) {
	t.Parallel()
	if got := Classed(errClass, nil); got != errClass {
		t.Errorf("Classed(class, nil) = %v", got)
	}
	err := Classed(errClass, os.ErrDeadlineExceeded)
	if !errors.Is(err, errClass) || !errors.Is(err, os.ErrDeadlineExceeded) || err.Error() != "class: i/o timeout" {
		t.Errorf("Classed = %q", err)
	}
	if !IsTimeout(err) || IsTimeout(errClass) {
		t.Error("IsTimeout does not follow the chain")
	}
}

func TestBare(t *testing.T) {
	t.Parallel()
	if got := Bare(errors.New("vmconn: dial x: refused")); got != "dial x: refused" {
		t.Errorf("Bare = %q", got)
	}
}

func TestContextEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(context.Background())
	if ContextEnd(ctx) != nil {
		t.Fatal("ContextEnd of a live context")
	}
	cancel(errClass)
	if err := ContextEnd(ctx); !errors.Is(err, context.Canceled) || !errors.Is(err, errClass) {
		t.Errorf("ContextEnd with a cause = %v", err)
	}
	ctx, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := ContextEnd(ctx); err != context.Canceled {
		t.Errorf("ContextEnd without a cause = %v", err)
	}
}
