package vmconn_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/hostilessh"
	"golang.org/x/crypto/ssh"
)

// TestRefusedSessionWaitsForSlot: a refused session open is a full slot,
// even when none of the client's own sessions is open (OpenSSH frees a
// finished session late): the call asks again and succeeds.
func TestRefusedSessionWaitsForSlot(t *testing.T) {
	t.Parallel()
	for _, reason := range []ssh.RejectionReason{ssh.ConnectionFailed, ssh.Prohibited, ssh.ResourceShortage} {
		t.Run(reason.String(), func(t *testing.T) {
			t.Parallel()
			c, s := dialHostile(t, hostilessh.Options{RefuseOpens: 3, RefuseReason: reason})
			if err := c.Command(testCtx(t), "true").Run(); err != nil {
				t.Fatalf("Run = %v; want success after 3 refusals", err)
			}
			if n := s.Seen("open"); n != 4 {
				t.Errorf("%d opens; want 4", n)
			}
		})
	}
}

// TestRefusedSessionBounded: a server that refuses every session fails
// the call, by SessionWait when the context has no deadline, by the
// context otherwise; never an unbounded wait.
func TestRefusedSessionBounded(t *testing.T) {
	t.Parallel()
	t.Run("SessionWait", func(t *testing.T) {
		t.Parallel()
		s := hostilessh.Start(t, hostilessh.Options{RefuseOpens: -1})
		cfg := hostileConfig(t, s)
		cfg.SessionWait = 200 * time.Millisecond
		c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = runWithin(t, c.Command(context.Background(), "true"))
		var oce *ssh.OpenChannelError
		if !errors.Is(err, vmconn.ErrRefused) || !errors.As(err, &oce) || vmconn.Retryable(err) {
			t.Fatalf("Run = %v; want ErrRefused wrapping the OpenChannelError", err)
		}
		if s.Seen("open") < 2 {
			t.Errorf("asked only %d times", s.Seen("open"))
		}
	})
	t.Run("context", func(t *testing.T) {
		t.Parallel()
		c, _ := dialHostile(t, hostilessh.Options{RefuseOpens: -1})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if err := runWithin(t, c.Command(ctx, "true")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run = %v; want context.DeadlineExceeded", err)
		}
	})
}

// TestCancelNotConfirmed: when the cancelled command's processes cannot
// be confirmed gone (every kill session refused, the command ignoring
// signals), Wait says so with ErrNotStopped instead of "stopped".
func TestCancelNotConfirmed(t *testing.T) {
	t.Parallel()
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "marked", true: "raw"}[raw], func(t *testing.T) {
			t.Parallel()
			s := hostilessh.Start(t, hostilessh.Options{RefuseAfter: 1, KeepRunning: true})
			cfg := hostileConfig(t, s)
			cfg.ConnectTimeout = time.Second
			c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithCancel(context.Background())
			cmd := c.Command(ctx, "sleep 300")
			cmd.Raw, cmd.WaitDelay = raw, 100*time.Millisecond
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cancel()
			err = cmd.Wait()
			if !errors.Is(err, vmconn.ErrNotStopped) || !errors.Is(err, context.Canceled) || vmconn.Retryable(err) {
				t.Fatalf("Wait = %v; want ErrNotStopped and context.Canceled", err)
			}
		})
	}
}

// TestSessionWaitSparesOwnSessions: while the client's own sessions hold
// the server's slots, a refused session waits for them past SessionWait:
// more commands than the server's MaxSessions wait their turn.
func TestSessionWaitSparesOwnSessions(t *testing.T) {
	t.Parallel()
	srv := newServerOpts(t, 1)
	cfg := testConfig(srv)
	cfg.MaxSessions, cfg.SessionWait = 2, 50*time.Millisecond
	c := dialTest(t, srv, cfg)
	first := c.Command(testCtx(t), "echo started; sleep 0.5")
	started := make(chan struct{})
	first.Stdout = &notifyWriter{want: "started\n", do: func() { close(started) }}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	<-started
	if out, err := c.Output(context.Background(), "echo second"); err != nil || string(out) != "second\n" {
		t.Errorf("second command: %q, %v; want it to wait for the first", out, err)
	}
	if err := first.Wait(); err != nil {
		t.Errorf("first command: %v", err)
	}
}
