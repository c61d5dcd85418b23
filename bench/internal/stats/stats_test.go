package stats

import (
	"testing"
	"time"
)

func TestOf(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	d := Of(s)
	if d.N != 100 || d.Min != 1 || d.Max != 100 || d.Median != 50.5 || d.Mean != 50.5 {
		t.Errorf("Of(1..100ms) = %+v", d)
	}
	if d.P99 < 99 || d.P99 > 100 {
		t.Errorf("P99 = %v, want in [99, 100]", d.P99)
	}
	if (Of(nil) != Dist{}) {
		t.Error("Of(nil) not zero")
	}
}

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		q    float64
		want float64
	}{
		{[]float64{5}, 0.99, 5},
		{[]float64{1, 2}, 0.5, 1.5},
		{[]float64{1, 2, 3}, 1, 3},
		{[]float64{1, 2, 3}, 0, 1},
	} {
		if got := Quantile(tc.in, tc.q); got != tc.want {
			t.Errorf("Quantile(%v, %v) = %v, want %v", tc.in, tc.q, got, tc.want)
		}
	}
}
