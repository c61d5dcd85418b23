package main

import (
	"context"
	"log"
	"time"

	"github.com/vmconn/vmconn/bench/internal/stats"
)

// sampler is one client in a latency comparison: batch measures n
// operations.
type sampler struct {
	name, note string
	batch      func(ctx context.Context, n int) ([]time.Duration, error)
}

// interleave measures total operations of every client, split into
// rounds: each round runs a batch of each client, starting with the next
// client each time (A,B,C then B,C,A ...), so that a change of load on
// the machine falls on all of them alike. A client that fails is dropped
// from later rounds and keeps its error.
func interleave(ctx context.Context, clients []sampler, total, rounds int) []Dist {
	samples := make([][]time.Duration, len(clients))
	errs := make([]error, len(clients))
	rounds = max(1, min(rounds, total))
	for r := range rounds {
		n := total / rounds // the first total%rounds rounds take one more
		if r < total%rounds {
			n++
		}
		for k := range clients {
			i := (r + k) % len(clients)
			if errs[i] != nil || ctx.Err() != nil {
				continue
			}
			s, err := clients[i].batch(ctx, n)
			samples[i] = append(samples[i], s...)
			if err != nil {
				log.Printf("%s: %v", clients[i].name, err)
				errs[i] = err
			}
		}
	}
	out := make([]Dist, len(clients))
	for i, c := range clients {
		out[i] = Dist{Client: c.name, Note: c.note, Dist: stats.Of(samples[i])}
		if errs[i] != nil {
			out[i].Err = errs[i].Error()
		}
	}
	return out
}

// timed runs op n times and returns each duration.
func timed(ctx context.Context, n int, op func(ctx context.Context) error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		start := time.Now()
		if err := op(ctx); err != nil {
			return out, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}
