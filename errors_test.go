package vmconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&OpError{Op: "dial", Addr: "h:22", Err: classed(ErrAuth, errors.New("x"))}, false},
		{&HostKeyError{Err: ErrHostKeyChanged}, false},
		{&HostKeyError{Err: ErrHostKeyUnknown}, false},
		{&OpError{Op: "dial", Addr: "h:22", Err: ErrUnreachable}, true},
		{&OpError{Op: "dial", Addr: "h:22", Err: ErrTimeout}, true},
		{classed(ErrConnLost, errors.New("eof")), true},
		{ErrClosed, false},
		{context.Canceled, false},
		{errors.New("other"), false},
	}
	for _, tt := range tests {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}

func TestOpErrorMessage(t *testing.T) {
	t.Parallel()
	err := &OpError{Op: "dial", Addr: "h:22", Err: classed(ErrTimeout, errors.New("i/o timeout"))}
	if !strings.HasPrefix(err.Error(), "vmconn: dial h:22: timed out") || !err.Timeout() {
		t.Errorf("got %q timeout=%v", err.Error(), err.Timeout())
	}
}

func TestExitError(t *testing.T) {
	t.Parallel()
	e := &ExitError{Status: 137, Signal: "KILL"}
	if e.ExitCode() != 137 || !strings.Contains(e.Error(), "signal KILL") {
		t.Errorf("got %d %q", e.ExitCode(), e.Error())
	}
	if (&ExitError{Status: 3}).Error() != "vmconn: command exited with status 3" {
		t.Error("bad message")
	}
}

// retryableErr is a feature package's own error: Retryable consults its
// method, whatever it wraps.
type retryableErr struct {
	retry bool
	err   error
}

func (e retryableErr) Error() string   { return "feature: " + e.err.Error() }
func (e retryableErr) Unwrap() error   { return e.err }
func (e retryableErr) Retryable() bool { return e.retry }

// TestRetryableAgreesWithDocs: every doc comment that says "retryable" or
// "not retryable" is what Retryable answers, for wrapped errors too.
func TestRetryableAgreesWithDocs(t *testing.T) {
	t.Parallel()
	lost := classed(ErrConnLost, errors.New("EOF"))
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"reboot with lost connection", &RebootError{Addr: "h:22", Err: lost}, false},
		{"reboot alone", &RebootError{Addr: "h:22"}, false},
		{"no exit status, link lost", fmt.Errorf("%w: %w", ErrConnLost, ErrNoExitStatus), true},
		{"no exit status, client closed", fmt.Errorf("%w (%w)", ErrNoExitStatus, &OpError{Op: "session", Addr: "h:22", Err: ErrClosed}), false},
		{"no exit status alone", ErrNoExitStatus, false},
		{"bad boot id", fmt.Errorf("x: %w", ErrBadBootID), false},
		{"own method: yes", retryableErr{true, errors.New("busy")}, true},
		{"own method: no, over a retryable cause", retryableErr{false, lost}, false},
		{"exit status, then the link lost", fmt.Errorf("%w (and: %w)", &ExitError{Status: 1}, lost), false},
		{"sentinel under another error", fmt.Errorf("a: %w", fmt.Errorf("b: %w", ErrUnreachable)), true},
	}
	for _, tt := range tests {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("%s: Retryable(%v) = %v; want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestContextErrorIsTheCallers: a caller's deadline is not ErrTimeout
// (which is vmconn's own connect timeout); both endings of the caller's
// context classify alike; the connect timeout says so, and a useful
// cause is kept in the message.
func TestContextErrorIsTheCallers(t *testing.T) {
	t.Parallel()
	deadline, cancel1 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel1()
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	for _, ctx := range []context.Context{deadline, cancelled} {
		err := contextError(ctx, nil)
		if errors.Is(err, ErrTimeout) || Retryable(err) {
			t.Errorf("caller's %v: ErrTimeout %v, Retryable %v; want none, false (fanout's TestClassify: class error)",
				ctx.Err(), errors.Is(err, ErrTimeout), Retryable(err))
		}
	}
	connect, cancel3 := withTimeout(context.Background(), "connect timeout", 0)
	defer cancel3()
	<-connect.Done()
	err := contextError(connect, fmt.Errorf("read tcp: %w", net.ErrClosed))
	if !errors.Is(err, ErrTimeout) || !Retryable(err) || err.Error() != "connect timeout (0s)" {
		t.Errorf("connect timeout: %q (ErrTimeout %v, Retryable %v)", err, errors.Is(err, ErrTimeout), Retryable(err))
	}
	err = contextError(cancelled, &OpError{Op: "dial", Addr: "h:22", Err: classed(ErrUnreachable, errors.New("connection refused"))})
	if want := "context canceled (last: dial h:22: host unreachable: connection refused)"; err.Error() != want || Retryable(err) {
		t.Errorf("cancel with cause: %q; want %q, not retryable", err, want)
	}
}

// TestPrefixOnceInChains: errors built by vmconn's own constructors, each
// wrapping others that start with "vmconn: ", carry it once, at the start.
func TestPrefixOnceInChains(t *testing.T) {
	t.Parallel()
	dial := &OpError{Op: "dial", Addr: "h:22", Err: classed(ErrUnreachable, errors.New("connection refused"))}
	session := &OpError{Op: "session", Addr: "h:22", Err: classed(ErrConnLost, dial)}
	exit := &ExitError{Status: 94}
	tests := []struct {
		err  error
		want string
	}{
		{session, "vmconn: session h:22: connection lost: dial h:22: host unreachable: connection refused"},
		{errorf("reconnect %s: gave up after %d attempts: %w", "h:22", 3, dial),
			"vmconn: reconnect h:22: gave up after 3 attempts: dial h:22: host unreachable: connection refused"},
		{errorf("cp: %w", errorf("download: %w", session)),
			"vmconn: cp: download: session h:22: connection lost: dial h:22: host unreachable: connection refused"},
		{errorf("start job: %w", exit), "vmconn: start job: command exited with status 94"},
		{&RebootError{Addr: "h:22", OldBootID: "a", NewBootID: "b", Err: fmt.Errorf("%w (and: %w)", exit, session)},
			"vmconn: h:22 rebooted (boot id a -> b): command exited with status 94 (and: session h:22: connection lost: dial h:22: host unreachable: connection refused)"},
		{&OpError{Op: "session", Addr: "h:22", Err: fmt.Errorf("%w (%w)", ErrNoExitStatus, session)},
			"vmconn: session h:22: command ended without exit status (session h:22: connection lost: dial h:22: host unreachable: connection refused)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
	if !errors.Is(tests[2].err, ErrUnreachable) || !errors.As(tests[3].err, &exit) {
		t.Error("the chain lost its sentinel or type")
	}
}
