package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/vmconn/vmconn"
)

// TestSameWriterForBothStreams: one plain bytes.Buffer as Stdout and
// Stderr, as with os/exec, must be safe (-race reports it otherwise) and
// keep every byte.
func TestSameWriterForBothStreams(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	var b bytes.Buffer
	cmd := c.Command(testCtx(t), `i=0; while [ $i -lt 200 ]; do echo o$i; echo e$i >&2; i=$((i+1)); done`)
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n != 400 {
		t.Errorf("got %d lines, want 400", n)
	}
}

// TestExitErrorCarriesStderrTail: a helper's explanation on stderr is in
// the error's message, bounded to its tail.
func TestExitErrorCarriesStderrTail(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	_, err := c.Output(testCtx(t), "echo 'vmconn: jobs need flock on the machine' >&2; exit 94")
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "status 94") ||
		!strings.Contains(err.Error(), "jobs need flock on the machine") {
		t.Errorf("err = %v", err)
	}
	_, err = c.Output(testCtx(t), "head -c 5000 /dev/zero | tr '\\0' x >&2; echo; echo last words >&2; exit 1")
	msg := err.Error()
	if !strings.HasSuffix(msg, "last words") || len(msg) > 1200 {
		t.Errorf("long stderr: message of %d bytes ending %q", len(msg), msg[max(0, len(msg)-40):])
	}
	ee = &vmconn.ExitError{Status: 3}
	if ee.Error() != "vmconn: command exited with status 3" {
		t.Errorf("no stderr: %q", ee.Error())
	}
}

// recordHandler keeps the messages logged.
type recordHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

// TestConnectedLoggedOnce: one connection, one "connected" record.
func TestConnectedLoggedOnce(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	h := &recordHandler{}
	cfg := testConfig(srv)
	cfg.Logger = slog.New(h)
	dialTest(t, srv, cfg)
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.Contains(m, "connected") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d records about connecting: %q", n, h.msgs)
	}
}
