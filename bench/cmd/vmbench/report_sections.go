package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

func latencyDists(x *Result) []Dist { return x.Latency }
func onlineDists(x *Result) []Dist  { return x.Online }
func connectDists(x *Result) []Dist { return x.Connect }
func jobDists(x *Result) []Dist     { return x.Jobs }
func cliDists(x *Result) []Dist     { return x.CLI }

func (r *report) cli() {
	if !r.any(func(x *Result) bool { return len(x.CLI) > 0 }) {
		r.p("## 7. The CLI in a shell loop")
		r.p("")
		r.p("**Not measured** (%s).", r.unmeasured("cli"))
		r.p("")
		return
	}
	r.text("cli.md", map[string]any{"N": r.count(cliDists)})
	r.distTable(cliDists, "ssh -S (ControlMaster)")
	for _, run := range r.runs {
		shared, ok1 := median(run.CLI, "vmconn exec --control-persist")
		mux, ok2 := median(run.CLI, "ssh -S (ControlMaster)")
		fresh, ok3 := median(run.CLI, "vmconn exec")
		muxEnv, ok4 := median(run.CLI, "ssh -S, vmconn's command line")
		if ok1 && ok2 && ok3 {
			r.p("- run %d: vmconn with a master ÷ ssh -S = %.2f×; sharing saves %.1f ms a call over a fresh vmconn connection",
				run.Run, shared/mux, fresh-shared)
		}
		if ok1 && ok2 && ok4 {
			r.p("  - of the %.1f ms between them, the envelope's remote work (ssh -S with vmconn's line − ssh -S) is %.1f ms; "+
				"vmconn's own process (vmconn with a master − ssh -S with vmconn's line) %.1f ms", shared-mux, muxEnv-mux, shared-muxEnv)
		}
	}
	r.p("")
}

func (r *report) latency() {
	r.text("latency.md", map[string]any{"N": r.count(latencyDists), "Rounds": r.rounds(0)})
	r.distTable(latencyDists, "vmconn")
	r.text("latency_cost.md", nil)
	for _, run := range r.runs {
		vm, ok1 := median(run.Latency, "vmconn")
		raw, ok2 := median(run.Latency, "raw x/crypto/ssh")
		vmRaw, ok3 := median(run.Latency, "vmconn, Cmd.Raw")
		rawEnv, ok4 := median(run.Latency, "raw x/crypto/ssh, vmconn's command line")
		if ok1 && ok2 && ok3 && ok4 {
			r.p("- run %d: vmconn − raw = %+.0f µs; the envelope alone (raw with vmconn's line − raw): %+.0f µs; "+
				"vmconn's client side alone (vmconn `Cmd.Raw` − raw): %+.0f µs", run.Run,
				1000*(vm-raw), 1000*(rawEnv-raw), 1000*(vmRaw-raw))
		}
	}
	r.p("")
}

func (r *report) connect() {
	r.text("connect.md", map[string]any{"N": r.count(connectDists), "Rounds": r.rounds(1)})
	r.distTable(connectDists, "vmconn")
	if len(r.runs) == 0 || len(r.runs[0].Phases) == 0 {
		return
	}
	r.p("Where the time of a fresh raw x/crypto connection goes (median of each step, ms):")
	r.p("")
	header := []string{"step"}
	for _, run := range r.runs {
		for _, ph := range run.Phases {
			header = append(header, fmt.Sprintf("%s (run %d)", ph.Variant, run.Run))
		}
	}
	var rows [][]string
	for i, name := range phaseNames {
		row := []string{name}
		for _, run := range r.runs {
			for _, ph := range run.Phases {
				if i < len(ph.Steps) {
					row = append(row, fmt.Sprintf("%.2f", ph.Steps[i].Median))
				}
			}
		}
		rows = append(rows, row)
	}
	r.table(header, rows)
}

func (r *report) jobs() {
	if !r.any(func(x *Result) bool { return len(x.Jobs) > 0 }) {
		r.p("## 5. Long-job delivery latency")
		r.p("")
		r.p("**Not measured: feature not available** (%s).", r.unmeasured("jobs"))
		r.p("")
		return
	}
	r.text("jobs.md", map[string]any{"Lines": jobLines})
	r.distTable(jobDists, "vmconn Job.Follow")
}

func (r *report) alive() {
	if !r.any(func(x *Result) bool { return len(x.Alive) > 0 }) {
		r.p("## 6. Liveness verdict time")
		r.p("")
		r.p("**Not measured: feature not available** (%s).", r.unmeasured("alive"))
		r.p("")
		return
	}
	r.text("alive.md", nil)
	type key struct{ host, method string }
	var keys []key
	for _, run := range r.runs {
		for _, v := range run.Alive {
			if k := (key{v.Host, v.Method}); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	var rows [][]string
	for _, k := range keys {
		verdict, secs := "", []string{}
		for _, run := range r.runs {
			for _, v := range run.Alive {
				if v.Host != k.host || v.Method != k.method {
					continue
				}
				if v.Err != "" {
					verdict = "**error: " + v.Err + "**"
				} else if verdict == "" {
					verdict = v.Verdict
				}
				secs = append(secs, seconds(v.Seconds))
			}
		}
		rows = append(rows, []string{k.host, k.method, verdict, strings.Join(secs, "; ")})
	}
	r.table([]string{"host", "method", "verdict", "seconds, each verdict (" + strings.Join(r.runLabels(), "; ") + ")"}, rows)
}

func seconds(xs []float64) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprintf("%.2f", x))
	}
	return strings.Join(s, ", ")
}

func (r *report) quickAck() {
	r.text("quickack.md", nil)
	for _, run := range r.runs {
		var parts []string
		for _, pair := range [][2]string{
			{"vmconn, quick-ack off", "vmconn, quick-ack on"},
			{"raw x/crypto/ssh", "raw x/crypto/ssh + QuickAckConn"},
		} {
			off, ok1 := median(run.Connect, pair[0])
			on, ok2 := median(run.Connect, pair[1])
			if ok1 && ok2 {
				name, _, _ := strings.Cut(pair[0], ",")
				parts = append(parts, fmt.Sprintf("%s %.1f ms → %.1f ms (−%.1f ms, %.2f× as fast)", name, off, on, off-on, off/on))
			}
		}
		if len(parts) > 0 {
			r.p("- run %d: %s", run.Run, strings.Join(parts, "; "))
		}
	}
	r.p("")
	r.text("quickack_diff.md", nil)
}

func (r *report) method() { r.text("method.md", nil) }

// noise compares the runs: how far apart each client's median is.
func (r *report) noise() {
	if len(r.runs) < 2 {
		return
	}
	r.text("noise.md", nil)
	var rows [][]string
	for _, sec := range []struct {
		name string
		get  func(*Result) []Dist
	}{{"per-command latency", latencyDists}, {"fresh connection", connectDists}} {
		lo, hi, loC, hiC := math.Inf(1), 0.0, "", ""
		for _, client := range r.clients(sec.get) {
			spread, ok := r.spread(sec.get, client)
			if !ok {
				continue
			}
			if spread < lo {
				lo, loC = spread, client
			}
			if spread > hi {
				hi, hiC = spread, client
			}
		}
		ratios := r.perRun(func(run *Result) string {
			vm, ok1 := median(sec.get(run), "vmconn")
			raw, ok2 := median(sec.get(run), "raw x/crypto/ssh")
			if !ok1 || !ok2 {
				return "–"
			}
			return fmt.Sprintf("%.3f", vm/raw)
		})
		rows = append(rows, []string{sec.name, fmt.Sprintf("%.1f%% (%s)", lo, loC),
			fmt.Sprintf("%.1f%% (%s)", hi, hiC), strings.Join(ratios, ", ")})
	}
	r.table([]string{"section", "smallest spread", "largest spread", "vmconn ÷ raw x/crypto, each run"}, rows)
}

// spread is (max − min) / mean of the client's medians over the runs, in %.
func (r *report) spread(get func(*Result) []Dist, client string) (float64, bool) {
	var ms []float64
	for _, run := range r.runs {
		if m, ok := median(get(run), client); ok {
			ms = append(ms, m)
		}
	}
	if len(ms) < 2 {
		return 0, false
	}
	return 100 * (slices.Max(ms) - slices.Min(ms)) / (sum(ms) / float64(len(ms))), true
}

// online is the back-online table, under the liveness section.
func (r *report) online() {
	if !r.any(func(x *Result) bool { return len(x.Online) > 0 }) {
		return
	}
	r.text("online.md", map[string]any{"N": r.count(onlineDists)})
	r.distTable(onlineDists, "vmconn Client.Reconnect")
}
