package alive_test

import (
	"testing"

	"github.com/vmconn/vmconn/alive"
)

// layerOf returns the result of the probe of target ("ssh/22",
// "tcp/443", "icmp"), failing the test if there is none.
func layerOf(t testing.TB, r *alive.Result, target string) alive.LayerResult {
	t.Helper()
	for _, l := range r.Layers {
		if l.Target == target {
			return l
		}
	}
	t.Fatalf("no result for %s in %+v", target, r.Layers)
	return alive.LayerResult{}
}
