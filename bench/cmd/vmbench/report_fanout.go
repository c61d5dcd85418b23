package main

import (
	"fmt"
	"slices"
	"strings"
)

func (r *report) fanOut() {
	servers := 0
	if len(r.runs) > 0 {
		servers = r.runs[0].Servers
	}
	r.text("fanout.md", map[string]any{"Command": fanOutCommand, "Servers": servers, "SVG": r.svg})
	header := []string{"N", "client"}
	for _, h := range []string{"time", "peak RSS", "peak private", "failed"} {
		for _, l := range r.runLabels() {
			header = append(header, h+" "+l)
		}
	}
	var rows [][]string
	for _, n := range r.fanSizes() {
		for _, client := range seriesOrder {
			rows = append(rows, r.fanRow(client, n))
		}
	}
	r.table(append(header, "time ÷ vmconn", "RSS ÷ vmconn"), rows)
	r.fanNotes()
}

func (r *report) fanRow(client string, n int) []string {
	fs, base := r.fanRows(client, n), r.fanRows(seriesOrder[0], n)
	row := []string{fmt.Sprint(n), client}
	for _, get := range []func(FanOut) string{
		func(f FanOut) string { return fmt.Sprintf("%.2f s", f.Seconds) },
		func(f FanOut) string { return mib(f.Peak.RSS) },
		func(f FanOut) string { return mib(f.Peak.Anon) },
		func(f FanOut) string {
			if f.Err != "" && f.OK == 0 {
				return "**" + f.Err + "**"
			}
			return fmt.Sprint(f.Failed)
		},
	} {
		for _, f := range fs {
			if f == nil {
				row = append(row, "–")
			} else {
				row = append(row, get(*f))
			}
		}
	}
	return append(row, ratioRuns(fs, base, func(f FanOut) float64 { return f.Seconds }),
		ratioRuns(fs, base, func(f FanOut) float64 { return float64(f.Peak.RSS) }))
}

// fanNotes lists, per run, how many ssh processes lived at once, where
// vmconn's memory went, and the first errors.
func (r *report) fanNotes() {
	for _, run := range r.runs {
		var procs, goPeaks []string
		for _, f := range run.FanOut {
			if f.Client == seriesOrder[2] {
				procs = append(procs, fmt.Sprintf("N=%d: %d", f.N, f.Peak.Procs-1))
			}
			if f.Go != nil {
				goPeaks = append(goPeaks, fmt.Sprintf("N=%d: heap %s, stacks %s, %d goroutines",
					f.N, mib(f.Go.HeapLive), mib(f.Go.Stacks), f.Go.Goroutines))
			}
		}
		if len(procs) > 0 {
			r.p("- run %d, most `ssh` processes alive at one sample: %s (xargs starts them all at once, "+
				"but on two cores the first end before the last have started).", run.Run, strings.Join(procs, ", "))
		}
		if len(goPeaks) > 0 {
			r.p("- run %d, the vmconn process's Go runtime at its peak (heap including garbage not yet "+
				"collected): %s.", run.Run, strings.Join(goPeaks, "; "))
		}
		for _, f := range run.FanOut {
			if len(f.Errors) > 0 {
				r.p("- run %d, %s, N=%d, first errors: `%s`", run.Run, f.Client, f.N, strings.Join(f.Errors, "`; `"))
			}
		}
	}
	r.p("")
}

// ratioRuns renders "r1 / r2" of f(a)/f(base) per run.
func ratioRuns(a, base []*FanOut, f func(FanOut) float64) string {
	var out []string
	for i := range a {
		if a[i] == nil || base[i] == nil || f(*base[i]) == 0 {
			out = append(out, "–")
			continue
		}
		out = append(out, fmt.Sprintf("%.2f×", f(*a[i])/f(*base[i])))
	}
	return strings.Join(out, " / ")
}

func (r *report) fanSizes() []int {
	var out []int
	for _, run := range r.runs {
		for _, f := range run.FanOut {
			if !slices.Contains(out, f.N) {
				out = append(out, f.N)
			}
		}
	}
	slices.Sort(out)
	return out
}

// fanRows returns the client's result for n connections in each run (nil
// where there is none).
func (r *report) fanRows(client string, n int) []*FanOut {
	var out []*FanOut
	for _, run := range r.runs {
		var found *FanOut
		for i := range run.FanOut {
			if run.FanOut[i].Client == client && run.FanOut[i].N == n {
				found = &run.FanOut[i]
			}
		}
		out = append(out, found)
	}
	return out
}
