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

// TestPollLeavesBackoff: polls wait in [every/2, every] and do not
// advance the doubling delay; without SetPoll a poll is a Next.
func TestPollLeavesBackoff(t *testing.T) {
	b := New(time.Second, 8*time.Second)
	b.SetPoll(100 * time.Millisecond)
	for range 50 {
		if d := b.Poll(); d < 50*time.Millisecond || d > 100*time.Millisecond {
			t.Fatalf("poll = %v, want in [50ms, 100ms]", d)
		}
	}
	if d := b.Next(); d < 500*time.Millisecond || d > time.Second {
		t.Fatalf("Next after polls = %v, want the first delay", d)
	}
	b.SetPoll(0)
	if d := b.Poll(); d < time.Second || d > 2*time.Second {
		t.Fatalf("Poll without a poll interval = %v, want Next's 2s", d)
	}
}
