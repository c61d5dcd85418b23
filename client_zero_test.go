package vmconn_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh/agent"
)

// TestZeroClient: every method of a Client not made by Dial fails at once
// with ErrConfig (or, for those without an error, answers at once), as a
// zero Cmd does; none hangs or panics.
func TestZeroClient(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "src")
	_ = writeFileData(src, nil)
	for name, call := range zeroClientCalls(src, t.TempDir()) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var c vmconn.Client
			ctx := context.Background() // no deadline: a wait would hang
			if err := boundedCall(func() error { return call(ctx, &c) }); !errors.Is(err, vmconn.ErrConfig) {
				t.Errorf("err = %v; want ErrConfig", err)
			}
		})
	}
	t.Run("no-error", func(t *testing.T) {
		t.Parallel()
		var c vmconn.Client
		err := boundedCall(func() error {
			if c.Addr() != "" || c.User() != "" || c.SSH() != nil {
				return errors.New("Addr, User or SSH not empty")
			}
			<-c.Done() // there is no connection: it has ended
			if err := c.Err(); !errors.Is(err, vmconn.ErrConfig) {
				return fmt.Errorf("Err = %v; want ErrConfig", err)
			}
			return c.Close()
		})
		if err != nil {
			t.Error(err)
		}
	})
}

// boundedCall runs f, turning a panic into an error and giving up on it
// after a generous bound (the goroutine is then leaked: the test fails).
func boundedCall(f func() error) error {
	ch := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- fmt.Errorf("panic: %v", r)
			}
		}()
		ch <- f()
	}()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		return errors.New("still blocked after 10s")
	}
}

// zeroClientCalls lists every Client method that returns an error, each
// with valid arguments (so only the zero Client can be at fault).
func zeroClientCalls(src, dir string) map[string]func(context.Context, *vmconn.Client) error {
	ignore := func(_ any, err error) error { return err }
	return map[string]func(context.Context, *vmconn.Client) error{
		"Run":       func(ctx context.Context, c *vmconn.Client) error { return c.Command(ctx, "true").Run() },
		"Start":     func(ctx context.Context, c *vmconn.Client) error { return c.Command(ctx, "true").Start() },
		"Output":    func(ctx context.Context, c *vmconn.Client) error { return ignore(c.Output(ctx, "true")) },
		"Sudo":      func(ctx context.Context, c *vmconn.Client) error { return sudoCommand(ctx, c, "true", "").Run() },
		"Ping":      func(ctx context.Context, c *vmconn.Client) error { return ignore(c.Ping(ctx)) },
		"Reconnect": func(ctx context.Context, c *vmconn.Client) error { return c.Reconnect(ctx) },
		"BootID":    func(ctx context.Context, c *vmconn.Client) error { return ignore(c.BootID(ctx)) },
		"Reboot":    func(ctx context.Context, c *vmconn.Client) error { return ignore(c.Reboot(ctx)) },
		"Guard": func(ctx context.Context, c *vmconn.Client) error {
			return c.Guard(ctx, func(context.Context) error { return nil })
		},
		"NewSession": func(ctx context.Context, c *vmconn.Client) error { return ignore(c.NewSession(ctx)) },
		"ForwardAgent": func(ctx context.Context, c *vmconn.Client) error {
			return ignore(c.ForwardAgent(ctx, agent.NewKeyring()))
		},
	}
}
