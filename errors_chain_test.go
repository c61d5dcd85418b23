package vmconn_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
)

// TestErrorPrefixOnce walks errors that real operations return, several
// of them wrapping other vmconn errors, and checks that each message says
// "vmconn: " once, at its start.
func TestErrorPrefixOnce(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	var mu sync.Mutex
	var events []error
	cfg := testConfig(srv)
	cfg.ReconnectTimeout, cfg.ReconnectBackoff = time.Second, 20*time.Millisecond // time for a refused connect even on a loaded machine
	cfg.OnEvent = func(e vmconn.Event) {
		if e.Err != nil {
			mu.Lock()
			events = append(events, e.Err)
			mu.Unlock()
		}
	}
	c := dialTest(t, srv, cfg)
	ctx := testCtx(t)
	var errs []error
	add := func(what string, err error) {
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		errs = append(errs, err)
	}
	add("guard whose op closes the link", c.Guard(ctx, func(context.Context) error {
		srv.StopListening()
		srv.DropConnections()
		<-c.Done()
		return nil
	}))
	_, reconnectErr := c.Output(ctx, "true")
	add("reconnect gives up", reconnectErr)
	cmd := c.Command(ctx, "true")
	cmd.RebootGuard = true
	add("reboot guard before, unreachable", cmd.Run())
	_, err := c.Reboot(ctx)
	add("reboot, unreachable", err)
	c.Close()
	add("guard on a closed client", c.Guard(ctx, func(context.Context) error { return nil }))
	for _, err := range errs {
		if msg := err.Error(); !strings.HasPrefix(msg, "vmconn: ") || strings.Count(msg, "vmconn: ") != 1 {
			t.Errorf("%q: want \"vmconn: \" once, at the start", msg)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, err := range events { // an Event's Err may be bare ("connection lost: EOF")
		if msg := err.Error(); strings.Count(msg, "vmconn: ") > 1 {
			t.Errorf("event error %q: want \"vmconn: \" at most once", msg)
		}
	}
	if !errors.Is(reconnectErr, vmconn.ErrUnreachable) || !vmconn.Retryable(reconnectErr) {
		t.Errorf("reconnect: %v; want a retryable ErrUnreachable", reconnectErr)
	}
}
