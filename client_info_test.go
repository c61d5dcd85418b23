package vmconn_test

import (
	"testing"
	"time"

	"github.com/vmconn/vmconn"
)

// TestClientInfo: ReconnectTimeout resolves Config.ReconnectTimeout's zero
// value and keeps a negative one; Logger is never nil, for a zero Client
// too.
func TestClientInfo(t *testing.T) {
	t.Parallel()
	var zero vmconn.Client
	if zero.Logger() == nil || zero.ReconnectTimeout() != vmconn.DefaultReconnectTimeout {
		t.Errorf("zero Client: Logger %v, ReconnectTimeout %v", zero.Logger(), zero.ReconnectTimeout())
	}
	srv := newServer(t)
	for _, tc := range []struct{ set, want time.Duration }{
		{0, vmconn.DefaultReconnectTimeout}, {-1, -1}, {3 * time.Second, 3 * time.Second},
	} {
		cfg := testConfig(srv)
		cfg.ReconnectTimeout = tc.set
		c := dialTest(t, srv, cfg)
		if got := c.ReconnectTimeout(); got != tc.want {
			t.Errorf("ReconnectTimeout with %v = %v; want %v", tc.set, got, tc.want)
		}
		if c.Logger() == nil {
			t.Error("Logger is nil")
		}
	}
}
