package vmconn

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRetryable(t *testing.T) {
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
	err := &OpError{Op: "dial", Addr: "h:22", Err: classed(ErrTimeout, errors.New("i/o timeout"))}
	if !strings.HasPrefix(err.Error(), "vmconn: dial h:22: timed out") || !err.Timeout() {
		t.Errorf("got %q timeout=%v", err.Error(), err.Timeout())
	}
}

func TestExitError(t *testing.T) {
	e := &ExitError{Status: 137, Signal: "KILL"}
	if e.ExitCode() != 137 || !strings.Contains(e.Error(), "signal KILL") {
		t.Errorf("got %d %q", e.ExitCode(), e.Error())
	}
	if (&ExitError{Status: 3}).Error() != "vmconn: command exited with status 3" {
		t.Error("bad message")
	}
}
