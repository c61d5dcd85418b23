package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
)

// aliveVerdict is one host's liveness check.
type aliveVerdict struct {
	host string
	res  *alive.Result
	err  error
}

// runMany checks every host, at most h.parallel at once, and prints one
// line (or JSON object) per host, in the order given, then a summary.
// The exit status is 0 only when every host is alive.
func (f *aliveFlags) runMany(cmd *cobra.Command, g *globalFlags, h *hostsFlags, hosts []string) error {
	o, err := f.options(g)
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	verdicts := checkAll(cmd.Context(), hosts, o, h.parallel)
	w := cmd.OutOrStdout()
	enc := json.NewEncoder(w)
	up := 0
	for _, v := range verdicts {
		if errors.Is(v.err, vmconn.ErrConfig) {
			return &exitError{code: exitUsage, err: v.err}
		}
		if v.res != nil && v.res.Alive && v.err == nil {
			up++
		}
		switch {
		case g.json:
			_ = enc.Encode(aliveJSON(v.host, v.res, v.err))
		case v.res != nil:
			fmt.Fprintf(w, "%s: %s\n", v.host, v.res)
			if f.layers || g.verbose > 0 {
				printAliveTable(w, v.res)
			}
		default:
			fmt.Fprintf(w, "%s: down (%v)\n", v.host, v.err)
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d alive, %d down\n", up, len(verdicts)-up)
	if up != len(verdicts) {
		return &exitError{code: exitDown}
	}
	return nil
}

// checkAll runs alive.Check for every host, parallel at a time.
func checkAll(ctx context.Context, hosts []string, o *alive.Options, parallel int) []aliveVerdict {
	out := make([]aliveVerdict, len(hosts))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, host := range hosts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res, err := alive.Check(ctx, host, o)
			out[i] = aliveVerdict{host, res, err}
		})
	}
	wg.Wait()
	return out
}
