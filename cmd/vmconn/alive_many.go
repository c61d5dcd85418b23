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

// runMany checks every host, at most h.parallel at once, each resolved on
// its own through ssh_config and -J, and prints one line (or JSON object)
// per host as soon as its verdict is in, then a summary. The exit status
// is 0 only when every host is alive.
func (f *aliveFlags) runMany(cmd *cobra.Command, g *globalFlags, h *hostsFlags, hosts []string) error {
	o, err := f.options(g)
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	if err := g.checkFleet(); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	enc := json.NewEncoder(w)
	up, usage := 0, error(nil)
	print := func(v aliveVerdict) {
		if errors.Is(v.err, vmconn.ErrConfig) && usage == nil {
			usage = &exitError{code: exitUsage, err: v.err}
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
	check := func(ctx context.Context, host string) (*alive.Result, error) { return g.aliveCheck(ctx, host, o, cmd) }
	checkAll(cmd.Context(), hosts, h.parallel, check, print)
	if usage != nil {
		return usage
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d alive, %d down\n", up, len(hosts)-up)
	if up != len(hosts) {
		return &exitError{code: exitDown}
	}
	return nil
}

// aliveCheck checks host as the other subcommands would reach it: its
// ssh_config entry (HostName, Port, User, keys, ProxyJump or
// ProxyCommand) and -J apply, so an alias works and the SSH login goes
// through the jump hosts. The TCP and ICMP layers probe the resolved
// address from here.
func (g *globalFlags) aliveCheck(ctx context.Context, host string, o *alive.Options, cmd *cobra.Command) (*alive.Result, error) {
	r, err := g.ssh.resolve(g, g.flags.Changed("connect-timeout"), host)
	if err != nil {
		return nil, err
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "vmconn: warning: %s: %s\n", host, w)
	}
	if r.ProxyCommand != nil {
		r.ProxyCommand.Stderr = cmd.ErrOrStderr()
	}
	each := *o
	each.Config = vmconn.ViaJumpHosts(r.Config, r.Jumps...)
	return alive.Check(ctx, r.Addr, &each)
}

// checkAll runs check for every host, parallel at a time, and hands each
// verdict to report as soon as it is in (one call at a time).
func checkAll(ctx context.Context, hosts []string, parallel int,
	check func(context.Context, string) (*alive.Result, error), report func(aliveVerdict)) {
	sem := make(chan struct{}, max(parallel, 1))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, host := range hosts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res, err := check(ctx, host)
			mu.Lock()
			defer mu.Unlock()
			report(aliveVerdict{host, res, err})
		})
	}
	wg.Wait()
}
