package vmconn_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vmconn/vmconn"
)

// count returns how many events of type typ were logged.
func (l *eventLog) count(typ vmconn.EventType) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestRebootedEventOnce: one reboot is one EventRebooted, whichever way it
// is noticed: a Guard, a command's RebootGuard, or Client.Reboot (each
// reconnects, which reads the boot id too).
func TestRebootedEventOnce(t *testing.T) {
	t.Parallel()
	guarded := func(ctx context.Context, c *vmconn.Client, srv rebooter) error {
		return c.Guard(ctx, func(ctx context.Context) error { return runRebooting(ctx, c, srv, false) })
	}
	rebootGuard := func(ctx context.Context, c *vmconn.Client, srv rebooter) error {
		return runRebooting(ctx, c, srv, true)
	}
	reboot := func(ctx context.Context, c *vmconn.Client, _ rebooter) error {
		_, err := c.Reboot(ctx)
		return err
	}
	for name, op := range map[string]func(context.Context, *vmconn.Client, rebooter) error{
		"Guard": guarded, "RebootGuard": rebootGuard, "Reboot": reboot,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			cfg := testConfig(srv)
			var log eventLog
			cfg.OnEvent = log.add
			c := dialTest(t, srv, cfg)
			err := op(testCtx(t), c, srv)
			if name != "Reboot" && !errors.Is(err, vmconn.ErrRebooted) {
				t.Fatalf("err = %v; want ErrRebooted", err)
			}
			if name == "Reboot" && err != nil {
				t.Fatalf("Reboot: %v", err)
			}
			if n := log.count(vmconn.EventRebooted); n != 1 {
				t.Errorf("%d rebooted events (%v); want 1", n, log.types())
			}
		})
	}
}

type rebooter interface{ Reboot() }

// runRebooting runs a command during which the machine reboots.
func runRebooting(ctx context.Context, c *vmconn.Client, srv rebooter, guard bool) error {
	cmd := c.Command(ctx, "echo running; sleep 30")
	cmd.RebootGuard = guard
	cmd.Stdout = &notifyWriter{want: "running\n", do: func() { go srv.Reboot() }}
	return cmd.Run()
}
