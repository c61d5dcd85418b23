package vmconn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/vmtest"
)

// TestNewSessionRunsAProgram: a Session is a working x/crypto session.
func TestNewSessionRunsAProgram(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	s, err := c.NewSession(testCtx(t))
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	defer s.Close()
	out, err := s.SSH().Output("echo hello")
	if err != nil || string(out) != "hello\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestNewSessionHoldsASlot: under Config.MaxSessions 1, an open Session
// keeps commands (and other sessions) waiting until Close frees its slot;
// the wait is bounded by the context.
func TestNewSessionHoldsASlot(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.MaxSessions = 1
	c := dialTest(t, srv, cfg)
	s, err := c.NewSession(testCtx(t))
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	_, err = c.Output(ctx, "true")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Output while the session holds the only slot = %v; want DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(testCtx(t))
	cancel()
	if _, err := c.NewSession(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("NewSession with the slot taken and ctx cancelled = %v; want Canceled", err)
	}
	s.Close()
	if _, err := c.Output(testCtx(t), "true"); err != nil {
		t.Fatalf("Output after Close: %v", err)
	}
}

// TestSessionSubsystemRefused: vmtest serves no subsystem but sftp; the
// refusal is an *OpError naming the subsystem, with "vmconn: " once.
func TestSessionSubsystemRefused(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	s, err := c.NewSession(testCtx(t))
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	defer s.Close()
	err = s.RequestSubsystem(testCtx(t), "netconf")
	var oe *vmconn.OpError
	if !errors.As(err, &oe) || oe.Op != "subsystem" || !errors.Is(err, vmconn.ErrRefused) ||
		!strings.Contains(err.Error(), "server refused the netconf subsystem") {
		t.Fatalf("RequestSubsystem = %v; want an *OpError wrapping ErrRefused", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "vmconn: ") || strings.Count(msg, "vmconn: ") != 1 {
		t.Errorf("%q: want \"vmconn: \" once, at the start", msg)
	}
}

// TestSessionSubsystemCancelled: a request under an ended context fails
// with the context's error and leaves the slot to Close.
func TestSessionSubsystemCancelled(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.MaxSessions = 1
	c := dialTest(t, srv, cfg)
	s, err := c.NewSession(testCtx(t))
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if err := s.RequestSubsystem(ctx, "sftp"); !errors.Is(err, context.Canceled) {
		t.Fatalf("RequestSubsystem under a cancelled context = %v; want Canceled", err)
	}
	s.Close()
	if _, err := c.Output(testCtx(t), "true"); err != nil {
		t.Fatalf("Output after Close: %v", err)
	}
}

// TestSessionSideOutput: a helper command runs for the holder of the only
// slot, vmconn's (Config.MaxSessions 1) and the server's (vmtest
// MaxSessions 1: over a spare connection); a failed one is an *ExitError.
func TestSessionSideOutput(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t, vmtest.Options{MaxSessions: 1})
	cfg := testConfig(srv)
	cfg.MaxSessions = 1
	c := dialTest(t, srv, cfg)
	s, err := c.NewSession(testCtx(t))
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	defer s.Close()
	out, err := s.SideOutput(testCtx(t), "echo side")
	if err != nil || string(out) != "side\n" {
		t.Fatalf("SideOutput = %q, %v", out, err)
	}
	var ee *vmconn.ExitError
	if _, err := s.SideOutput(testCtx(t), "exit 3"); !errors.As(err, &ee) || ee.Status != 3 {
		t.Fatalf("SideOutput(exit 3) = %v; want an *ExitError with status 3", err)
	}
}
