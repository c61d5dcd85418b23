package main

import (
	"fmt"
	"math"
	"strings"
)

// check is one target's outcome in one run.
type check struct {
	met    bool
	known  bool // false when the run lacks the figures
	detail string
}

func (r *report) targets() {
	r.text("targets.md", nil)
	rows := []struct {
		name string
		fn   func(*Result) check
	}{
		{"per-command latency within 5% of raw x/crypto/ssh (median)", latencyVsRaw},
		{"per-command latency ahead of every other client (median)", latencyAhead},
		{"fresh connection ahead of every other client (median), vmconn as it is", func(x *Result) check { return connectAhead(x, "vmconn") }},
		{"the same with quick-ack on (the proposed default)", func(x *Result) check { return connectAhead(x, "vmconn, quick-ack on") }},
		{"fan-out to 1000 connections: no failures", fanNoFailures},
		{"fan-out: memory grows linearly with N", fanLinear},
		{"job delivery p99 under 50 ms", jobP99},
		{"issue 14: the CLI with a master within 10% of ssh -S in a shell loop (median)", cliShared},
		{"issue 14: back online within 100 ms of sshd accepting again (median)", backOnline},
	}
	var table [][]string
	for _, row := range rows {
		cells := []string{row.name}
		var checks []check
		for _, run := range r.runs {
			c := row.fn(run)
			checks = append(checks, c)
			cells = append(cells, c.mark()+": "+c.detail)
		}
		table = append(table, append(cells, verdict(checks)))
	}
	r.table(append(append([]string{"target"}, r.runLabels()...), "verdict"), table)
}

func (c check) mark() string {
	switch {
	case !c.known:
		return "not measured"
	case !c.met:
		return "**missed**"
	}
	return "met"
}

// verdict is met only if every run met the target.
func verdict(checks []check) string {
	v := "**met**"
	for _, c := range checks {
		switch {
		case !c.known:
			return "not measured"
		case !c.met:
			v = "**missed**"
		}
	}
	return v
}

func latencyVsRaw(x *Result) check {
	vm, ok1 := median(x.Latency, "vmconn")
	raw, ok2 := median(x.Latency, "raw x/crypto/ssh")
	if !ok1 || !ok2 {
		return check{detail: "no figures"}
	}
	return check{known: true, met: vm <= 1.05*raw,
		detail: fmt.Sprintf("vmconn %.2f ms, raw %.2f ms (%+.1f%%)", vm, raw, 100*(vm/raw-1))}
}

// ahead checks that client's median is below every other client's in ds
// except those listed in skip.
func ahead(ds []Dist, client string, skip ...string) check {
	vm, ok := median(ds, client)
	if !ok {
		return check{detail: "no figures"}
	}
	c := check{known: true, met: true}
	best, bestName := math.Inf(1), ""
	for _, d := range ds {
		if d.Client == client || contains(skip, d.Client) {
			continue
		}
		m, ok := median(ds, d.Client)
		if !ok {
			continue
		}
		if m < best {
			best, bestName = m, d.Client
		}
	}
	c.met = vm < best
	c.detail = fmt.Sprintf("%s %.2f ms; best other: %s %.2f ms (%.2f×)", client, vm, bestName, best, best/vm)
	return c
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// latencyAhead compares vmconn with the other clients: not with raw
// x/crypto (the other target) nor the rows that take vmconn's cost apart.
func latencyAhead(x *Result) check {
	return ahead(x.Latency, "vmconn", "raw x/crypto/ssh", "vmconn, Cmd.Raw", "raw x/crypto/ssh, vmconn's command line")
}

// connectAhead compares one vmconn row with the other clients (not with
// the other vmconn rows, nor raw x/crypto with vmconn's QuickAckConn).
func connectAhead(x *Result, client string) check {
	return ahead(x.Connect, client, "vmconn", "vmconn, quick-ack on", "vmconn, quick-ack off", "raw x/crypto/ssh + QuickAckConn")
}

func vmconnFan(x *Result) []FanOut {
	var out []FanOut
	for _, f := range x.FanOut {
		if f.Client == "vmconn FanOut.RunAll" {
			out = append(out, f)
		}
	}
	return out
}

func fanNoFailures(x *Result) check {
	fs := vmconnFan(x)
	if len(fs) == 0 {
		return check{detail: "no figures"}
	}
	c := check{known: true, met: true}
	var parts []string
	largest := 0
	for _, f := range fs {
		largest = max(largest, f.N)
		parts = append(parts, fmt.Sprintf("N=%d: %d ok, %d failed", f.N, f.OK, f.Failed))
		if f.Failed > 0 || f.Err != "" || f.OK != f.N {
			c.met = false
		}
	}
	if largest < 1000 {
		c.met = false
		parts = append(parts, "largest N below 1000")
	}
	c.detail = strings.Join(parts, "; ")
	return c
}

// fanLinear fits peak RSS = a + b·N by least squares: linear growth means
// the points lie on the line (R² ≥ 0.98) and the cost of a connection
// does not rise with N (the slope from the middle to the largest N is at
// most 1.5 times the slope from the smallest to the middle).
func fanLinear(x *Result) check {
	fs := vmconnFan(x)
	if len(fs) < 3 {
		return check{detail: "fewer than 3 sizes"}
	}
	xs, ys := make([]float64, len(fs)), make([]float64, len(fs))
	for i, f := range fs {
		xs[i], ys[i] = float64(f.N), float64(f.Peak.RSS)/(1<<20)
	}
	a, b, r2 := linearFit(xs, ys)
	last := len(xs) - 1
	s1 := (ys[1] - ys[0]) / (xs[1] - xs[0])
	s2 := (ys[last] - ys[1]) / (xs[last] - xs[1])
	return check{known: true, met: r2 >= 0.98 && s2 <= 1.5*math.Max(s1, 0.01),
		detail: fmt.Sprintf("RSS ≈ %.0f MiB + %.0f KiB × N (R² %.3f); %.0f KiB/conn from N=%d to %d, %.0f KiB/conn from %d to %d",
			a, b*1024, r2, s1*1024, int(xs[0]), int(xs[1]), s2*1024, int(xs[1]), int(xs[last]))}
}

func linearFit(xs, ys []float64) (a, b, r2 float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy, syy float64
	for i := range xs {
		sx, sy = sx+xs[i], sy+ys[i]
		sxx, sxy, syy = sxx+xs[i]*xs[i], sxy+xs[i]*ys[i], syy+ys[i]*ys[i]
	}
	b = (n*sxy - sx*sy) / (n*sxx - sx*sx)
	a = (sy - b*sx) / n
	num := n*sxy - sx*sy
	den := (n*sxx - sx*sx) * (n*syy - sy*sy)
	if den > 0 {
		r2 = num * num / den
	}
	return a, b, r2
}

func jobP99(x *Result) check {
	d, ok := findDist(x.Jobs, "vmconn Job.Follow")
	if !ok || d.N == 0 {
		return check{detail: "no figures"}
	}
	c := check{known: true, met: d.P99 < 50 && d.Err == "",
		detail: fmt.Sprintf("p50 %.1f ms, p99 %.1f ms", d.Median, d.P99)}
	if d.Err != "" {
		c.detail += " (" + d.Err + ")"
	}
	return c
}

// cliShared: a call through vmconn's master against one through an
// OpenSSH ControlMaster, in the same run.
func cliShared(x *Result) check {
	vm, ok1 := median(x.CLI, "vmconn exec --control-persist")
	mux, ok2 := median(x.CLI, "ssh -S (ControlMaster)")
	if !ok1 || !ok2 {
		return check{detail: "no figures"}
	}
	return check{known: true, met: vm <= 1.10*mux,
		detail: fmt.Sprintf("vmconn %.1f ms, ssh -S %.1f ms (%.2f×)", vm, mux, vm/mux)}
}

// backOnline: from the new sshd's first accepted connection to
// Client.Reconnect logged in.
func backOnline(x *Result) check {
	m, ok := median(x.Online, "vmconn Client.Reconnect")
	if !ok {
		return check{detail: "no figures"}
	}
	return check{known: true, met: m <= 100, detail: fmt.Sprintf("Client.Reconnect %.1f ms", m)}
}
