package vmconn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
)

// TestCommandDeadlineIsTheCallers: a command stopped by the caller's
// deadline is not a connect timeout (ErrTimeout), is not retryable, has
// no exit code, and classifies in a fan-out as a cancel does.
func TestCommandDeadlineIsTheCallers(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	ctx, cancel := context.WithTimeout(testCtx(t), 300*time.Millisecond)
	defer cancel()
	cmd := c.Command(ctx, "sleep 30")
	err := cmd.Run()
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, vmconn.ErrTimeout) || vmconn.Retryable(err) {
		t.Errorf("Run = %v: want context.DeadlineExceeded, not ErrTimeout, not retryable", err)
	}
	if cmd.ExitCode() != -1 {
		t.Errorf("ExitCode = %d; want -1 for a command that did not finish", cmd.ExitCode())
	}
}

// TestConnectTimeoutSaysSo: when Config.ConnectTimeout ends a dial and
// the caller set no deadline, the error names the connect timeout, not a
// context deadline.
func TestConnectTimeoutSaysSo(t *testing.T) {
	t.Parallel()
	cfg := &vmconn.Config{NoAgent: true, ConnectTimeout: 300 * time.Millisecond}
	_, err := vmconn.Dial(context.Background(), tarpit(t, nil), cfg)
	if !errors.Is(err, vmconn.ErrTimeout) || !vmconn.Retryable(err) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial = %v: want ErrTimeout, retryable, not the context's deadline", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "connect timeout (300ms)") || strings.Contains(msg, "deadline exceeded") {
		t.Errorf("message %q; want it to say connect timeout (300ms)", msg)
	}
	if testing.Verbose() {
		t.Log(err)
	}
}
