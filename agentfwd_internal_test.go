package vmconn

import (
	"context"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// TestReadAgentSocketEndsCleanly: a session that ends without naming the
// socket says so, without a "%!w(<nil>)" tail.
func TestReadAgentSocketEndsCleanly(t *testing.T) {
	t.Parallel()
	_, err := readAgentSocket(strings.NewReader("motd\n"), "__vmconn_agent_x=")
	if err == nil || strings.Contains(err.Error(), "%!") {
		t.Errorf("readAgentSocket = %v; want a clean error", err)
	}
	sock, err := readAgentSocket(strings.NewReader("motd\n__vmconn_agent_x=/tmp/s\n"), "__vmconn_agent_x=")
	if err != nil || sock != "/tmp/s" {
		t.Errorf("readAgentSocket = %q, %v", sock, err)
	}
}

// TestAgentStatePerConnection: the agent forwarding state is the
// connection's own (no process-global table): one per connection, kept
// for the connection's life.
func TestAgentStatePerConnection(t *testing.T) {
	t.Parallel()
	srv := vmtest.NewServer()
	defer srv.Close()
	cfg := &Config{Signers: []ssh.Signer{srv.ClientSigner()}, KnownHostsFiles: []string{srv.KnownHostsFile()}, NoAgent: true}
	var conns [2]*conn
	for i := range conns {
		c, err := Dial(context.Background(), srv.Addr(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if conns[i], err = c.current(); err != nil {
			t.Fatal(err)
		}
	}
	a, b := conns[0].agentState(), conns[1].agentState()
	if a == nil || a != conns[0].agentState() || a == b {
		t.Errorf("agent states %p, %p (again %p); want one per connection", a, b, conns[0].agentState())
	}
}
