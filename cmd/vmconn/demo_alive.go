package main

import (
	"context"
	"time"

	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/vmtest"
)

func (d *demo) alive(ctx context.Context) error {
	opts := &alive.Options{Config: d.config(), Ports: []int{d.srv.Port()}}
	r, err := alive.Check(ctx, d.srv.Addr(), opts)
	if err != nil {
		return err
	}
	d.say("live host:     %-34s (operational=%v, %v)", r, r.Operational, r.Elapsed.Round(time.Millisecond))

	d.srv.StopListening()
	r, err = alive.Check(ctx, d.srv.Addr(), opts)
	if lerr := d.srv.StartListening(); lerr != nil {
		return lerr
	}
	if err != nil {
		return err
	}
	d.say("sshd stopped:  %-34s (a refused connect proves the network stack runs)", r)

	bh, err := vmtest.NewBlackhole()
	if err != nil {
		return err
	}
	defer bh.Close()
	opts.Ports, opts.Timeout = []int{bh.Port()}, time.Second
	r, err = alive.Check(ctx, bh.Addr(), opts)
	if err != nil {
		return err
	}
	d.say("dead port:     %-34s (nothing answers on TCP; took the 1 s timeout once: %v)", r, r.Elapsed.Round(10*time.Millisecond))
	for _, l := range r.Layers {
		d.say("               %-8s %-13s %v", l.Target, l.Outcome, l.Latency.Round(time.Millisecond))
	}
	return nil
}
