package vmconn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmconn/vmconn/internal/backoff"
)

// DefaultRebootCommand is what Reboot runs unless Config.RebootCommand
// says otherwise.
const DefaultRebootCommand = "reboot"

// RebootResult reports a deliberate reboot.
type RebootResult struct {
	OldBootID string
	NewBootID string
	Downtime  time.Duration // from the reboot command to the first login with the new boot id
}

// Reboot reboots the machine and waits until it is back with a different
// boot id. It reads the boot id, runs Config.RebootCommand (the connection
// dropping under it is expected), then reconnects and reads the boot id
// until it differs: a machine still shutting down, which answers with the
// old boot id, is not reported as rebooted. Bound it with ctx. A host key
// that changed across the reboot fails with ErrHostKeyChanged; a reboot
// command that fails (say, permission denied) returns its *ExitError.
func (c *Client) Reboot(ctx context.Context) (*RebootResult, error) {
	old, err := c.BootID(ctx)
	if err != nil {
		return nil, errorf("reboot: reading boot id: %w", err)
	}
	command := c.cfg.RebootCommand
	if command == "" {
		command = DefaultRebootCommand
	}
	start := time.Now()
	if err := c.issueReboot(ctx, command); err != nil {
		return nil, err
	}
	newID, err := c.waitNewBoot(ctx, old)
	if err != nil {
		return nil, err
	}
	c.rebooted(old, newID)
	return &RebootResult{OldBootID: old, NewBootID: newID, Downtime: time.Since(start)}, nil
}

// issueReboot runs the reboot command. Losing the connection, or the
// command ending without exit status, is what a reboot looks like; a
// command that exits 0 is fine too (the reboot is asynchronous).
func (c *Client) issueReboot(ctx context.Context, command string) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := c.rawOutput(cctx, command)
	var ee *ExitError
	switch {
	case err == nil, errors.Is(err, ErrConnLost), errors.Is(err, ErrNoExitStatus):
		return nil
	case errors.As(err, &ee) && ee.Signal != "":
		return nil // killed as the machine went down
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return nil // still running after 30s: the machine is going down slowly
	}
	return errorf("reboot command %q: %w", command, err)
}

// waitNewBoot polls the boot id until it differs from old. While the old
// boot still answers, it waits; when the connection is lost, the next
// read reconnects.
func (c *Client) waitNewBoot(ctx context.Context, old string) (string, error) {
	_, first, most := c.cfg.reconnect()
	wait := backoff.New(first, most)
	for {
		id, err := c.BootID(ctx)
		switch {
		case err == nil && id != old:
			return id, nil
		case ctx.Err() != nil:
			return "", fmt.Errorf("vmconn: reboot: machine not back with a new boot id: %w", contextError(ctx, err))
		case err != nil && !Retryable(err) && !errors.Is(err, ErrNoExitStatus):
			return "", errorf("reboot: waiting for the machine: %w", err)
		}
		if wait.Wait(ctx) != nil {
			return "", fmt.Errorf("vmconn: reboot: machine not back with a new boot id: %w", contextError(ctx, err))
		}
	}
}

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

// BootIDs returns the boot ids that RebootGuard read before the command
// started and after it ended; each is "" when it was not read (no
// RebootGuard, the read failed, or Wait has not returned).
func (cmd *Cmd) BootIDs() (before, after string) {
	return cmd.bootBefore, cmd.bootAfter
}
