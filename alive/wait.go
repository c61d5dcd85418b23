package alive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/backoff"
	"github.com/vmconn/vmconn/internal/errutil"
)

// Delays between Wait's probes: the first, doubling up to the last.
const (
	waitFirstDelay = 250 * time.Millisecond
	waitMaxDelay   = 5 * time.Second
)

// Wait probes host with Check until it answers at layer or above,
// waiting between probes with backoff: 250ms, doubling up to 5s, each
// delay jittered down by up to half. For LayerSSH it waits until the
// login works (Operational), or until the SSH server rejects it
// (AuthFailed: the credentials or host key are wrong, which waiting
// cannot mend; check Operational); an SSH server that answers but cannot
// log in yet (Degraded: starting up, overloaded) is waited for. For
// example, after a reboot:
//
//	res, err := alive.Wait(ctx, "vm1", alive.LayerSSH, nil)
//
// It returns the first result that reaches layer. When ctx ends first it
// returns the last result (nil if none) and an error wrapping
// vmconn.ErrTimeout (at ctx's deadline) or the context's cause. A name
// that does not resolve is retried like a host that does not answer (DNS
// records may appear as the machine boots); bad input is a
// vmconn.ErrConfig error at once, as is a layer other than LayerICMP,
// LayerTCP or LayerSSH.
func Wait(ctx context.Context, host string, layer Layer, o *Options) (*Result, error) {
	if layer <= LayerNone || layer > LayerSSH {
		return nil, fmt.Errorf("vmconn: cannot wait for layer %v: %w", layer, vmconn.ErrConfig)
	}
	w := waiter{host: host, layer: layer, log: logger(o), delays: backoff.New(waitFirstDelay, waitMaxDelay)}
	for w.attempts = 1; ; w.attempts++ {
		res, err := Check(ctx, host, o)
		switch {
		case err == nil && reached(res, layer):
			return res, nil
		case errors.Is(err, vmconn.ErrConfig):
			return nil, err
		}
		if res != nil {
			w.last = res
		}
		w.lastErr = err
		if !w.pause(ctx) {
			return w.last, w.gaveUp(ctx)
		}
	}
}

// waiter is the state of one Wait.
type waiter struct {
	host     string
	layer    Layer
	log      *slog.Logger
	delays   *backoff.Backoff
	attempts int
	last     *Result // the last verdict, nil if none
	lastErr  error   // the last probe's error
}

// pause waits before the next probe, reporting false when ctx ended.
func (w *waiter) pause(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	d := w.delays.Next()
	w.log.Debug("vmconn: not alive yet", "host", w.host, "want", w.layer, "attempt", w.attempts, "verdict", summary(w.last, w.lastErr), "retry_in", d)
	return backoff.Sleep(ctx, d) == nil
}

// gaveUp is Wait's error once ctx ended.
func (w *waiter) gaveUp(ctx context.Context) error {
	end := errutil.ContextEnd(ctx)
	if errors.Is(end, context.DeadlineExceeded) { // the wait's own verdict: not alive in time
		end = errutil.Classed(vmconn.ErrTimeout, end)
	}
	return fmt.Errorf("vmconn: %s not alive at %v after %d probes (last: %s): %w",
		w.host, w.layer, w.attempts, summary(w.last, w.lastErr), end)
}

// reached reports whether res ends a wait for layer.
func reached(res *Result, layer Layer) bool {
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

// summary describes a probe's verdict or error in a few words.
func summary(res *Result, err error) string {
	switch {
	case err != nil:
		return errutil.Bare(err)
	case res == nil:
		return "no verdict"
	}
	return res.String()
}

// logger returns the logger the options name, or a silent one.
func logger(o *Options) *slog.Logger {
	if o == nil {
		return discard
	}
	var cfgLog *slog.Logger
	if o.Config != nil {
		cfgLog = o.Config.Logger
	}
	return cmp.Or(o.Logger, cfgLog, discard)
}
