package vmconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Delays between WaitAlive's probes: the first, doubling up to the last.
const (
	waitFirstDelay = 250 * time.Millisecond
	waitMaxDelay   = 5 * time.Second
)

// WaitAlive probes host with IsAlive until it answers at layer or above,
// waiting between probes with backoff: 250ms, doubling up to 5s. For
// LayerSSH it waits until the login works (Operational), or until the
// SSH server rejects it (AuthFailed: the credentials or host key are
// wrong, which waiting cannot mend; check Operational); an SSH server that
// answers but cannot log in yet (Degraded: starting up, overloaded) is
// waited for. For example, after a reboot:
//
//	res, err := vmconn.WaitAlive(ctx, "vm1", vmconn.LayerSSH, nil)
//
// It returns the first result that reaches layer. When ctx ends first it
// returns the last result (nil if none) and an error wrapping ErrTimeout
// (at ctx's deadline) or the context's cause. A name that does not resolve
// is retried like a host that does not answer (DNS records may appear as
// the machine boots); bad input is an ErrConfig error at once, as is a
// layer other than LayerICMP, LayerTCP or LayerSSH.
func WaitAlive(ctx context.Context, host string, layer Layer, o *AliveOptions) (*AliveResult, error) {
	if layer <= LayerNone || layer > LayerSSH {
		return nil, fmt.Errorf("vmconn: cannot wait for layer %v: %w", layer, ErrConfig)
	}
	var last *AliveResult
	var lastErr error
	delay := waitFirstDelay
	for attempt := 1; ; attempt++ {
		res, err := IsAlive(ctx, host, o)
		switch {
		case err == nil && aliveReached(res, layer):
			return res, nil
		case errors.Is(err, ErrConfig):
			return nil, err
		}
		if res != nil {
			last = res
		}
		lastErr = err
		if ctx.Err() == nil {
			aliveLogger(o).Debug("vmconn: not alive yet", "host", host, "want", layer, "attempt", attempt, "verdict", aliveSummary(res, err), "retry_in", delay)
			if aliveSleep(ctx, delay) {
				delay = min(2*delay, waitMaxDelay)
				continue
			}
		}
		end := contextError(ctx, nil)
		if errors.Is(end, context.DeadlineExceeded) { // the wait's own verdict: not alive in time
			end = classed(ErrTimeout, end)
		}
		return last, fmt.Errorf("vmconn: %s not alive at %v after %d probes (last: %s): %w",
			host, layer, attempt, aliveSummary(last, lastErr), end)
	}
}

// aliveReached reports whether res ends a wait for layer.
func aliveReached(res *AliveResult, layer Layer) bool {
	if layer < LayerSSH || res.Operational {
		return res.Layer >= layer
	}
	for _, l := range res.Layers {
		if l.Layer == LayerSSH && l.Outcome == AuthFailed {
			return true
		}
	}
	return false
}

// aliveSleep waits for d, reporting false if ctx ended first.
func aliveSleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// aliveSummary describes a probe's verdict or error in a few words.
func aliveSummary(res *AliveResult, err error) string {
	switch {
	case err != nil:
		return bareText(err)
	case res == nil:
		return "no verdict"
	}
	return res.String()
}

// aliveLogger returns the logger the options name, or a silent one.
func aliveLogger(o *AliveOptions) *slog.Logger {
	if o != nil && o.Logger != nil {
		return o.Logger
	}
	if o != nil && o.Config != nil {
		return o.Config.logger()
	}
	return (&Config{}).logger()
}
