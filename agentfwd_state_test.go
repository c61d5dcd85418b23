package vmconn_test

import (
	"context"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
)

// TestAgentStatePerConnection: the agent forwarding state is the
// connection's own (no process-global table): one per connection, kept
// for the connection's life.
func TestAgentStatePerConnection(t *testing.T) {
	t.Parallel()
	srv := vmtest.New(t, vmtest.Options{})
	var clients [2]*vmconn.Client
	var states [2]any
	for i := range clients {
		c, err := vmconn.Dial(context.Background(), srv.Addr(), srv.Config())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
		if states[i], err = vmconn.AgentStateOf(c); err != nil {
			t.Fatal(err)
		}
	}
	again, err := vmconn.AgentStateOf(clients[0])
	a, b := states[0], states[1]
	if err != nil || a == nil || a != again || a == b {
		t.Errorf("agent states %p, %p (again %p, %v); want one per connection", a, b, again, err)
	}
}
