package vmconn

import (
	"context"
	"fmt"
	"time"
)

// ErrRebooted: the machine rebooted during an operation (its boot id
// changed). Returned as a *RebootError. Not retryable as such: what the
// operation did before the reboot is unknown.
var ErrRebooted = newSentinel("machine rebooted", false)

// RebootError reports a reboot noticed by Guard (or a guarded command).
type RebootError struct {
	Addr      string
	OldBootID string
	NewBootID string
	NoticedAt time.Time // when the new boot id was read
	Err       error     // the operation's own error, if any (often ErrConnLost)
}

func (e *RebootError) Error() string {
	s := fmt.Sprintf("vmconn: %s rebooted (boot id %s -> %s)", e.Addr, e.OldBootID, e.NewBootID)
	if e.Err != nil {
		s += ": " + bareText(e.Err)
	}
	return s
}

// Retryable reports false, whatever the operation's error was (often a
// retryable ErrConnLost): what it did before the reboot is unknown.
func (e *RebootError) Retryable() bool { return false }

// Unwrap returns ErrRebooted and the operation's error.
func (e *RebootError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrRebooted}
	}
	return []error{ErrRebooted, e.Err}
}

// Guard runs fn under a reboot guard: it reads the boot id before, runs
// fn, then reads it again, reconnecting first if the connection was lost
// (bounded by ctx and Config.ReconnectTimeout). A changed boot id returns
// a *RebootError (errors.Is(err, ErrRebooted)) that also wraps fn's error;
// a reconnection to the same boot is not a reboot, and fn's own result is
// returned. fn is never re-run.
func (c *Client) Guard(ctx context.Context, fn func(ctx context.Context) error) error {
	before, err := c.BootID(ctx)
	if err != nil {
		return guardReadFailed(err, "before", nil)
	}
	opErr := fn(ctx)
	after, err := c.BootID(ctx)
	if err != nil {
		return guardReadFailed(err, "after", opErr)
	}
	if after != before {
		c.rebooted(before, after)
		return &RebootError{Addr: c.addr, OldBootID: before, NewBootID: after, NoticedAt: time.Now(), Err: opErr}
	}
	return opErr
}
