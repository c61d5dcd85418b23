package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestNextDoublesWithinBounds: delays double up to Max, each jittered
// into [d/2, d], and Reset starts again.
func TestNextDoublesWithinBounds(t *testing.T) {
	b := New(10*time.Millisecond, 80*time.Millisecond)
	for i, want := range []time.Duration{10, 20, 40, 80, 80, 80} {
		want *= time.Millisecond
		if d := b.Next(); d < want/2 || d > want {
			t.Fatalf("delay %d = %v, want in [%v, %v]", i, d, want/2, want)
		}
	}
	b.Reset()
	if d := b.Next(); d > 10*time.Millisecond {
		t.Fatalf("after Reset: %v", d)
	}
}

// TestSleepEndsWithContext: a cancelled context ends the wait with its
// error.
func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v", err)
	}
	if err := New(time.Hour, time.Hour).Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
}
