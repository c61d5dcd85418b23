package vmconn_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
)

// TestReconnectWhenNewConnDiesAtOnce: a connection that dies right after
// a reconnection (before the boot id check that follows it) must be
// replaced too, promptly. Jobs followed across a flapping link hit this
// all the time. (It fails while reconnect() reads the boot id holding the
// dialing slot: the read needs a live connection, and waits for that slot
// until ReconnectTimeout, 15s here.)
func TestReconnectWhenNewConnDiesAtOnce(t *testing.T) {
	srv := newServer(t)
	cfg, p := testkit.Proxied(t, srv)
	cfg.ReconnectTimeout = 15 * time.Second
	var once sync.Once
	cfg.OnEvent = func(e vmconn.Event) {
		if e.Type == vmconn.EventReconnected {
			once.Do(func() { p.Cut() }) // the new connection dies at once
		}
	}
	c := dialTest(t, srv, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.BootID(ctx); err != nil { // remembered: checked after a reconnect
		t.Fatal(err)
	}
	p.Cut()
	start := time.Now()
	out, err := c.Output(ctx, "echo back")
	if err != nil || string(out) != "back\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v to get past a connection that died after reconnecting", took)
	}
}
