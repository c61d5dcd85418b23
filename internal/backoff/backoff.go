// Package backoff is vmconn's one way to wait between attempts:
// exponential backoff with jitter, bounded by a context, and a fast poll
// for attempts that cost the other side nothing (a refused TCP connect).
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff doubles a delay from First up to Max, and hands out jittered
// delays in [d/2, d]. Beside it runs a fast poll (see SetPoll) that does
// not touch the doubling. Make it with New; it is not safe for
// concurrent use.
type Backoff struct {
	first, max, cur time.Duration
	poll            time.Duration // Poll's longest wait; 0: Poll is Next
}

// New returns a Backoff whose first delay is first and whose delays never
// exceed max (max below first means first).
func New(first, max time.Duration) *Backoff {
	first = max1(first, time.Millisecond)
	return &Backoff{first: first, max: max1(max, first), cur: first}
}

// Next returns the delay to wait now, jittered, and doubles the next one.
func (b *Backoff) Next() time.Duration {
	d := b.cur
	b.cur = min(2*b.cur, b.max)
	return Jitter(d)
}

// Reset starts again from the first delay.
func (b *Backoff) Reset() { b.cur = b.first }

// Wait sleeps for Next(), or returns early with ctx's error when ctx
// ends first.
func (b *Backoff) Wait(ctx context.Context) error { return Sleep(ctx, b.Next()) }

// SetPoll sets the longest wait of Poll: each poll waits in
// [every/2, every], so every = 100ms makes at most 20 attempts a second
// and about 13 on average. Zero or less makes Poll wait as Next does.
func (b *Backoff) SetPoll(every time.Duration) { b.poll = max(every, 0) }

// Poll returns the delay before an attempt that follows one that failed
// without reaching the server (a refused connect): short and jittered,
// leaving the doubling delay of Next as it was.
func (b *Backoff) Poll() time.Duration {
	if b.poll == 0 {
		return b.Next()
	}
	return Jitter(b.poll)
}

// WaitPoll sleeps for Poll(), or returns early with ctx's error when ctx
// ends first.
func (b *Backoff) WaitPoll(ctx context.Context) error { return Sleep(ctx, b.Poll()) }

// Sleep waits d, or returns ctx's error when ctx ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Jitter returns a duration in [d/2, d].
func Jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func max1(d, floor time.Duration) time.Duration {
	if d < floor {
		return floor
	}
	return d
}
