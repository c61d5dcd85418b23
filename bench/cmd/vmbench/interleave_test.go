package main

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestInterleave(t *testing.T) {
	for _, tc := range []struct{ total, rounds int }{{300, 300}, {30, 300}, {31, 6}, {5, 1}, {1, 0}} {
		var order []string
		mk := func(name string) sampler {
			return sampler{name: name, batch: func(_ context.Context, n int) ([]time.Duration, error) {
				order = append(order, name)
				return make([]time.Duration, n), nil
			}}
		}
		ds := interleave(context.Background(), []sampler{mk("a"), mk("b"), mk("c")}, tc.total, tc.rounds)
		for _, d := range ds {
			if d.N != tc.total || d.Err != "" {
				t.Errorf("total %d rounds %d: %s has %d samples (%s)", tc.total, tc.rounds, d.Client, d.N, d.Err)
			}
		}
		if len(order) >= 6 && !slices.Equal(order[:6], []string{"a", "b", "c", "b", "c", "a"}) {
			t.Errorf("total %d rounds %d: order %v, want each round to start with the next client", tc.total, tc.rounds, order[:6])
		}
	}
}

func TestInterleaveDropsFailedClient(t *testing.T) {
	calls := 0
	bad := sampler{name: "bad", batch: func(context.Context, int) ([]time.Duration, error) {
		calls++
		return []time.Duration{time.Millisecond}, errors.New("boom")
	}}
	good := sampler{name: "good", batch: func(_ context.Context, n int) ([]time.Duration, error) {
		return make([]time.Duration, n), nil
	}}
	ds := interleave(context.Background(), []sampler{bad, good}, 10, 10)
	if calls != 1 || ds[0].Err != "boom" || ds[0].N != 1 || ds[1].N != 10 {
		t.Errorf("calls %d, results %+v", calls, ds)
	}
}
