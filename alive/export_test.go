package alive

import (
	"context"

	"github.com/vmconn/vmconn"
)

// CheckSequential runs Check's probes one after another, each allowed the
// whole timeout, as a naive checker would: the baseline that
// BenchmarkDeadHost compares Check with.
func CheckSequential(ctx context.Context, host string, o *Options) (*Result, error) {
	t, err := vmconn.ParseTarget(host)
	if err != nil {
		return nil, err
	}
	s, err := o.settings(t)
	if err != nil {
		return nil, err
	}
	ip, err := resolve(ctx, t.Host)
	if err != nil {
		return nil, err
	}
	var results []LayerResult
	for _, p := range s.probes(t, ip, nil) {
		pctx, cancel := context.WithTimeout(ctx, s.timeout)
		results = append(results, p.do(pctx))
		cancel()
	}
	return verdict(results), nil
}
