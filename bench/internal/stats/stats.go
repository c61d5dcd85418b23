// Package stats summarises samples of durations.
package stats

import (
	"slices"
	"time"
)

// Dist summarises a set of durations, in milliseconds.
type Dist struct {
	N      int
	Min    float64
	Median float64
	Mean   float64
	P90    float64
	P99    float64
	Max    float64
}

// Of summarises samples.
func Of(samples []time.Duration) Dist {
	if len(samples) == 0 {
		return Dist{}
	}
	ms := make([]float64, len(samples))
	var sum float64
	for i, d := range samples {
		ms[i] = float64(d) / float64(time.Millisecond)
		sum += ms[i]
	}
	slices.Sort(ms)
	return Dist{
		N:      len(ms),
		Min:    ms[0],
		Median: Quantile(ms, 0.5),
		Mean:   sum / float64(len(ms)),
		P90:    Quantile(ms, 0.9),
		P99:    Quantile(ms, 0.99),
		Max:    ms[len(ms)-1],
	}
}

// Quantile returns the q-quantile of sorted, interpolating linearly
// between the two nearest ranks.
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	lo := int(pos)
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(lo)
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}
