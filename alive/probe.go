package alive

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// probe is one check of one layer. run must return when ctx ends.
type probe struct {
	layer  Layer
	target string // "ssh/22", "tcp/443", "icmp"
	run    func(ctx context.Context) LayerResult
}

// do runs the probe and completes its result.
func (p probe) do(ctx context.Context) LayerResult {
	start := time.Now()
	r := LayerResult{Outcome: Skipped}
	if p.run != nil {
		r = p.run(ctx)
	}
	r.Layer, r.Target = p.layer, p.target
	if r.Outcome != Skipped {
		r.Latency = time.Since(start)
	}
	return r
}

// ctxResult is the result of a probe stopped by the end of ctx: TimedOut
// at the deadline, else Cancelled.
func ctxResult(ctx context.Context, cause error) LayerResult {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return LayerResult{Outcome: TimedOut, Detail: "no answer", Err: errutil.Classed(vmconn.ErrTimeout, cause)}
	}
	if errors.Is(context.Cause(ctx), errVerdictKnown) {
		return LayerResult{Outcome: Cancelled, Detail: "not needed: verdict known"}
	}
	return LayerResult{Outcome: Cancelled, Detail: "cancelled", Err: context.Cause(ctx)}
}

// errVerdictKnown cancels the probes that can no longer change a verdict.
var errVerdictKnown = errors.New("vmconn: verdict known")

// graceTime is how long probes of the verdict's own layer (TCP ports)
// may still answer once the verdict is known, so that ports answering
// about as fast are all listed.
const graceTime = 20 * time.Millisecond

// probeRun collects the results of probes running concurrently.
type probeRun struct {
	probes   []probe
	results  []LayerResult
	finished []bool
	ch       chan probeDone
}

type probeDone struct {
	i int
	r LayerResult
}

// runProbes runs the probes concurrently until the verdict is known, then
// cancels the rest and waits for every probe to end.
func runProbes(ctx context.Context, probes []probe) *Result {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pr := &probeRun{
		probes:   probes,
		results:  make([]LayerResult, len(probes)),
		finished: make([]bool, len(probes)),
		ch:       make(chan probeDone, len(probes)), // buffered: a probe never blocks
	}
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() { pr.ch <- probeDone{i, p.do(ctx)} })
	}
	pr.collect()
	cancel(errVerdictKnown)
	wg.Wait()
	close(pr.ch)
	for d := range pr.ch {
		pr.results[d.i] = d.r
	}
	return verdict(pr.results)
}

// collect receives results until the verdict is known, then for a short
// grace those of the verdict's layer still pending.
func (pr *probeRun) collect() {
	for !pr.verdictKnown() {
		pr.record(<-pr.ch)
	}
	best := verdict(pr.results).Layer
	if best == LayerSSH || best == LayerNone {
		return
	}
	grace := time.NewTimer(graceTime)
	defer grace.Stop()
	for pr.pendingAt(best) {
		select {
		case d := <-pr.ch:
			pr.record(d)
		case <-grace.C:
			return
		}
	}
}

func (pr *probeRun) record(d probeDone) {
	pr.results[d.i], pr.finished[d.i] = d.r, true
}

// pendingAt reports whether a probe of layer is still running.
func (pr *probeRun) pendingAt(layer Layer) bool {
	for i, p := range pr.probes {
		if !pr.finished[i] && p.layer == layer {
			return true
		}
	}
	return false
}

// verdictKnown reports whether no running probe can raise the verdict:
// SSH answered, or every probe of a layer above the best answer ended.
func (pr *probeRun) verdictKnown() bool {
	best := verdict(pr.results).Layer
	if best == LayerSSH {
		return true
	}
	for i, p := range pr.probes {
		if !pr.finished[i] && p.layer > best {
			return false
		}
	}
	return true
}

// verdict sums up the probes' results.
func verdict(results []LayerResult) *Result {
	res := &Result{Layers: results}
	for _, r := range results {
		if r.Answered() && r.Layer > res.Layer {
			res.Layer = r.Layer
		}
		if r.Layer == LayerSSH && r.Outcome == Answered {
			res.Operational = true
		}
	}
	res.Alive = res.Layer != LayerNone
	return res
}
