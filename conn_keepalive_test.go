package vmconn_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
)

// Keepalive makes one round trip on the open connection; once that
// connection is lost it fails with ErrConnLost and does not reconnect.
func TestClientKeepalive(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	c := testkit.Dial(t, srv, nil)
	ctx := testkit.Ctx(t)
	if rtt, err := c.Keepalive(ctx); err != nil || rtt <= 0 {
		t.Fatalf("Keepalive on an open connection: %v, %v", rtt, err)
	}
	srv.DropConnections()
	<-c.Done()
	_, err := c.Keepalive(ctx)
	var op *vmconn.OpError
	if !errors.Is(err, vmconn.ErrConnLost) || !errors.As(err, &op) || op.Op != "keepalive" {
		t.Fatalf("Keepalive on a lost connection: %v, want an *OpError keepalive wrapping ErrConnLost", err)
	}
	if c.Err() == nil {
		t.Error("Keepalive reconnected the client")
	}
	c.Close()
	if _, err := c.Keepalive(ctx); !errors.Is(err, vmconn.ErrClosed) {
		t.Errorf("Keepalive after Close: %v, want ErrClosed", err)
	}
}

// A server that stops answering: Keepalive ends with ctx, and the
// connection stays (a missed reply alone does not close it).
func TestClientKeepaliveStalled(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	c := testkit.Dial(t, srv, nil)
	srv.Stall(true)
	defer srv.Stall(false)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Keepalive(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, vmconn.ErrTimeout) {
		t.Fatalf("Keepalive to a stalled server: %v, want the caller's deadline", err)
	}
	if c.Err() != nil {
		t.Errorf("connection ended: %v", c.Err())
	}
}

func TestClientKeepaliveZero(t *testing.T) {
	t.Parallel()
	var c vmconn.Client
	if _, err := c.Keepalive(context.Background()); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("zero Client: %v, want ErrConfig", err)
	}
}

// Config returns what the client was dialled with.
func TestClientConfig(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	cfg := testkit.Config(srv)
	cfg.MaxSessions = 3
	c := testkit.Dial(t, srv, cfg)
	got := c.Config()
	if got.MaxSessions != 3 || len(got.KnownHostsFiles) != 1 || got.KnownHostsFiles[0] != srv.KnownHostsFile() {
		t.Errorf("Config() = %+v", got)
	}
	got.MaxSessions = 9
	if c.Config().MaxSessions != 3 {
		t.Error("Config() is not a copy")
	}
	var zero vmconn.Client
	if zero.Config() == nil {
		t.Error("zero Client's Config() is nil, want the zero Config")
	}
}

// TestConnLostMeansDone: once a command reports the connection lost, the
// Client knows it too (Done is closed), so the next call reconnects
// instead of trying the dead connection. A shared master relies on it: a
// call right after another saw the link cut must not fail as well.
func TestConnLostMeansDone(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	for i := range 10 {
		cmd := c.Command(testCtx(t), "sleep 60")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		srv.DropConnections()
		if err := cmd.Wait(); !errors.Is(err, vmconn.ErrConnLost) {
			t.Fatalf("round %d: Wait = %v; want ErrConnLost", i, err)
		}
		select {
		case <-c.Done():
		default:
			t.Fatalf("round %d: the command saw the connection lost, the Client still has it up", i)
		}
		if err := c.Reconnect(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
}
