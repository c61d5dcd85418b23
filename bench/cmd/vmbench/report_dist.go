package main

import (
	"fmt"
	"slices"
)

// distTable renders a latency table: the median and p99 of each client,
// and its median's ratio to ref's, per run.
func (r *report) distTable(get func(*Result) []Dist, ref string) {
	header := []string{"client"}
	for _, col := range []string{"median ", "p99 ", "÷ " + ref + " "} {
		for _, l := range r.runLabels() {
			header = append(header, col+l)
		}
	}
	var rows [][]string
	for _, client := range r.clients(get) {
		row := []string{client}
		row = append(row, r.distCells(get, client, func(d Dist) string { return ms(d.Median) })...)
		row = append(row, r.distCells(get, client, func(d Dist) string { return ms(d.P99) })...)
		row = append(row, r.perRun(func(run *Result) string {
			d, ok1 := findDist(get(run), client)
			base, ok2 := findDist(get(run), ref)
			if !ok1 || !ok2 || base.Median == 0 || d.N == 0 {
				return "–"
			}
			return fmt.Sprintf("%.2f×", d.Median/base.Median)
		})...)
		rows = append(rows, append(row, r.distNote(get, client)))
	}
	r.table(append(header, "notes"), rows)
}

// distCells returns one cell a run: f of the client's Dist.
func (r *report) distCells(get func(*Result) []Dist, client string, f func(Dist) string) []string {
	return r.perRun(func(run *Result) string {
		d, ok := findDist(get(run), client)
		switch {
		case !ok:
			return "–"
		case d.Err != "" && d.N == 0:
			return "failed"
		}
		return f(d)
	})
}

// distNote is the client's note and any errors it met.
func (r *report) distNote(get func(*Result) []Dist, client string) string {
	note := ""
	for _, run := range r.runs {
		if d, ok := findDist(get(run), client); ok {
			note = d.Note
			if d.Err != "" {
				note += fmt.Sprintf(" **error (run %d): %s**", run.Run, d.Err)
			}
		}
	}
	return note
}

func findDist(ds []Dist, client string) (Dist, bool) {
	i := slices.IndexFunc(ds, func(d Dist) bool { return d.Client == client })
	if i < 0 {
		return Dist{}, false
	}
	return ds[i], true
}

// median is the client's median, if it was measured without error.
func median(ds []Dist, client string) (float64, bool) {
	d, ok := findDist(ds, client)
	if !ok || d.N == 0 || d.Err != "" {
		return 0, false
	}
	return d.Median, true
}

// clients lists the clients of a section in the order they were run.
func (r *report) clients(get func(*Result) []Dist) []string {
	var out []string
	for _, run := range r.runs {
		for _, d := range get(run) {
			if !slices.Contains(out, d.Client) {
				out = append(out, d.Client)
			}
		}
	}
	return out
}

// count is the number of samples a client of the section has.
func (r *report) count(get func(*Result) []Dist) int {
	for _, run := range r.runs {
		for _, d := range get(run) {
			if d.N > 0 {
				return d.N
			}
		}
	}
	return 0
}

func (r *report) rounds(i int) int {
	if len(r.runs) == 0 {
		return 0
	}
	return r.runs[0].Rounds[i]
}
