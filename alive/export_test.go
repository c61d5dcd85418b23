package vmconn

import "context"

// IsAliveSequential runs IsAlive's probes one after another, each allowed
// the whole timeout, as a naive checker would: the baseline that
// BenchmarkAliveDeadHost compares IsAlive with.
func IsAliveSequential(ctx context.Context, host string, o *AliveOptions) (*AliveResult, error) {
	t, err := ParseTarget(host)
	if err != nil {
		return nil, err
	}
	s, err := o.settings(t)
	if err != nil {
		return nil, err
	}
	ip, err := aliveResolve(ctx, t.Host)
	if err != nil {
		return nil, err
	}
	var results []LayerResult
	for _, p := range s.probes(t, ip, nil) {
		pctx, cancel := context.WithTimeout(ctx, s.timeout)
		results = append(results, p.do(pctx))
		cancel()
	}
	return aliveVerdict(results), nil
}
