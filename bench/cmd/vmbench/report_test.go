package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/bench/internal/proc"
	"github.com/vmconn/vmconn/bench/internal/stats"
)

func sampleRun(run int) *Result {
	d := func(client string, median float64) Dist {
		return Dist{Client: client, Dist: stats.Dist{N: 30, Median: median, P99: 2 * median}}
	}
	fan := func(n int, rss int64) FanOut {
		return FanOut{Client: seriesOrder[0], N: n, OK: n, Seconds: float64(n) / 100, Peak: proc.Peak{RSS: rss, Procs: 1}}
	}
	return &Result{
		Run: run, Started: time.Unix(0, 0), Finished: time.Unix(60, 0), Servers: 4, Rounds: [2]int{30, 30},
		Load:     []Load{{Section: "latency", Background: 3, Begin: "1 1 1", End: "2 2 2"}},
		Latency:  []Dist{d("vmconn", 3), d("raw x/crypto/ssh", 2.8), d("paramiko", 20)},
		Connect:  []Dist{d("vmconn", 80), d("vmconn, quick-ack on", 40), d("vmconn, quick-ack off", 80), d("paramiko", 70)},
		Transfer: []Transfer{{Client: "vmconn", Setting: "common", Bytes: 1 << 30, Seconds: 2}},
		FanOut:   []FanOut{fan(50, 16<<20), fan(200, 28<<20), fan(1000, 90<<20)},
		Jobs:     []Dist{d("vmconn Job.Follow", 0.5)},
		Online:   []Dist{d("vmconn Client.Reconnect", 120), d("raw x/crypto/ssh every 1 s", 600)},
	}
}

func TestReportRenders(t *testing.T) {
	rep := &report{runs: []*Result{sampleRun(1), sampleRun(2)}, command: "bench/run.sh", svg: "bench/fanout.svg"}
	md := rep.render()
	for _, want := range []string{
		"## 1. Per-command latency", "## 2. Fresh connection", "## 3. Stdout throughput",
		"## 4. Fan-out", "## 5. Long-job delivery latency", "**Not measured: feature not available**",
		"## Closing note: targets", "| per-command latency within 5% of raw x/crypto/ssh (median) | **missed**",
		"| the same with quick-ack on (the proposed default) | met", "| job delivery p99 under 50 ms | met",
		"### Back online after a restart", "| raw x/crypto/ssh every 1 s | 600.0 ms | 600.0 ms | 1200.0 ms | 1200.0 ms | 5.00× | 5.00× |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	svg := fanOutChart(rep.runs)
	if !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<circle") != 6*2 {
		t.Errorf("chart: %d points, want 12 (3 sizes × 2 runs × 2 panels)", strings.Count(svg, "<circle"))
	}
}

func TestLinearFit(t *testing.T) {
	a, b, r2 := linearFit([]float64{50, 200, 1000}, []float64{15, 30, 110})
	if math.Abs(b-0.1) > 1e-9 || math.Abs(a-10) > 1e-9 || math.Abs(r2-1) > 1e-9 {
		t.Errorf("linearFit = %v, %v, %v; want 10, 0.1, 1", a, b, r2)
	}
}
