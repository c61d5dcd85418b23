package alive_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/testkit"
)

func TestCheckClient(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	ctx := testkit.Ctx(t)
	c := testkit.Dial(t, s, nil)
	o := &alive.Options{Ports: []int{s.Port()}, NoICMP: true}
	res, err := alive.CheckClient(ctx, c, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Operational || !strings.Contains(res.Layers[0].Detail, "keepalive") || len(s.Commands()) != 0 {
		t.Errorf("open client: %s %+v, commands %q; want a keepalive answer and no new login", res, res.Layers[0], s.Commands())
	}
	s.DropConnections()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("connection did not end after DropConnections")
	}
	res, err = alive.CheckClient(ctx, c, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Operational || !strings.Contains(res.Layers[0].Detail, "logged in") {
		t.Errorf("lost connection: %s %+v; want a new login", res, res.Layers[0])
	}
	if c.Err() == nil {
		t.Error("CheckClient reconnected the client")
	}
}

// A stalled link: the keepalive gets no answer, the new login gets no
// banner, but the TCP connect completes. Bounded by the timeout.
func TestCheckClientStalled(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	ctx := testkit.Ctx(t)
	c := testkit.Dial(t, s, nil)
	s.Stall(true)
	defer s.Stall(false)
	const timeout = time.Second
	start := time.Now()
	res, err := alive.CheckClient(ctx, c, &alive.Options{Ports: []int{s.Port()}, NoICMP: true, Timeout: timeout})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if res.Layer != alive.LayerTCP || res.Layers[0].Outcome != alive.TimedOut {
		t.Errorf("got %s, ssh %+v; want alive at tcp, ssh timed out", res, res.Layers[0])
	}
	if took > timeout+500*time.Millisecond {
		t.Errorf("took %v, want at most the timeout %v", took, timeout)
	}
}

// A Client not made by Dial has no machine to ask.
func TestCheckClientZero(t *testing.T) {
	t.Parallel()
	res, err := alive.CheckClient(context.Background(), &vmconn.Client{}, nil)
	if res != nil || !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("zero Client: %v, %v; want an ErrConfig error", res, err)
	}
}
