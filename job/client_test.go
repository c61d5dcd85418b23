package job

import (
	"testing"

	"github.com/vmconn/vmconn"
)

// TestClientDefaults: with a zero Config, Follow waits
// vmconn.DefaultReconnectTimeout and logs nowhere (without a nil logger).
func TestClientDefaults(t *testing.T) {
	t.Parallel()
	var c vmconn.Client
	if got := reconnectTimeout(&c); got != vmconn.DefaultReconnectTimeout {
		t.Errorf("reconnectTimeout = %v; want %v", got, vmconn.DefaultReconnectTimeout)
	}
	if logger(&c) == nil {
		t.Error("logger is nil")
	}
}
