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
