package vmconn

import (
	"strings"
	"testing"
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
