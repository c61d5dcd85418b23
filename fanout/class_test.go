package fanout_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
)

// TestClassWireNames: the names the CLI prints in --json stay as they
// were when the classes were plain strings.
func TestClassWireNames(t *testing.T) {
	t.Parallel()
	want := map[fanout.Class]string{fanout.OK: "ok", fanout.Failed: "failed", fanout.Unreachable: "unreachable",
		fanout.Auth: "auth", fanout.Error: "error", 0: "class(0)"}
	for c, name := range want {
		b, err := json.Marshal(c)
		if c.String() != name || fmt.Sprint(c) != name || err != nil || string(b) != `"`+name+`"` {
			t.Errorf("class %d: String %q, JSON %s (%v); want %q", int(c), c.String(), b, err, name)
		}
	}
}

// TestClassify: each sentinel's class; the caller's deadline and cancel
// alike are Error, vmconn's own connect timeout is Unreachable.
func TestClassify(t *testing.T) {
	t.Parallel()
	deadline, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	wrap := func(err error) error { return fmt.Errorf("vmconn: dial x: %w", err) }
	for _, tt := range []struct {
		err  error
		want fanout.Class
	}{
		{nil, fanout.OK},
		{&vmconn.ExitError{Status: 3}, fanout.Failed},
		{wrap(vmconn.ErrAuth), fanout.Auth},
		{wrap(vmconn.ErrHostKeyUnknown), fanout.Auth},
		{wrap(vmconn.ErrHostKeyChanged), fanout.Auth},
		{wrap(vmconn.ErrHostKeyRevoked), fanout.Auth},
		{wrap(vmconn.ErrUnreachable), fanout.Unreachable},
		{wrap(vmconn.ErrTimeout), fanout.Unreachable},
		{wrap(vmconn.ErrHandshake), fanout.Unreachable},
		{wrap(vmconn.ErrConnLost), fanout.Unreachable},
		{wrap(vmconn.ErrNoExitStatus), fanout.Unreachable},
		{wrap(vmconn.ErrRebooted), fanout.Error},
		{wrap(vmconn.ErrConfig), fanout.Error},
		{deadline.Err(), fanout.Error},
		{context.Canceled, fanout.Error},
		{fmt.Errorf("%w: %w", context.Canceled, vmconn.ErrConnLost), fanout.Error},
		{errors.New("anything else"), fanout.Error},
	} {
		if got := fanout.Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s; want %s", tt.err, got, tt.want)
		}
	}
}
