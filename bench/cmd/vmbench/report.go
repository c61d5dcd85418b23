package main

import (
	"embed"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/template"
)

// The report's prose, one template a file, named by its file name.
//
//go:embed text/*.md
var texts embed.FS

var prose = template.Must(template.New("").ParseFS(texts, "text/*.md"))

// cmdReport writes BENCHMARKS.md and the fan-out chart from the runs.
func cmdReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	out := fs.String("o", "BENCHMARKS.md", "markdown file to write")
	svg := fs.String("svg", "bench/fanout.svg", "chart to write")
	svgRef := fs.String("svg-ref", "bench/fanout.svg", "the chart's path as the markdown links it")
	command := fs.String("cmd", "bench/run.sh", "the command that produced the runs")
	python := fs.String("python", "/usr/bin/python3", "python with paramiko, for its version")
	_ = fs.Parse(args)
	if fs.NArg() == 0 {
		return fmt.Errorf("report: no run files")
	}
	var runs []*Result
	for _, f := range fs.Args() {
		r, err := readResult(f)
		if err != nil {
			return fmt.Errorf("report: %s: %w", f, err)
		}
		runs = append(runs, r)
	}
	if err := os.WriteFile(*svg, []byte(fanOutChart(runs)), 0o644); err != nil {
		return err
	}
	rep := &report{runs: runs, command: *command, svg: *svgRef, python: *python}
	return os.WriteFile(*out, []byte(rep.render()), 0o644)
}

// report renders the runs as markdown.
type report struct {
	runs    []*Result
	command string
	svg     string
	python  string
	b       strings.Builder
}

func (r *report) render() string {
	r.text("intro.md", map[string]any{"SVG": r.svg})
	r.header()
	for _, section := range []func(){
		r.latency, r.connect, r.throughput, r.fanOut, r.jobs, r.alive, r.online, r.cli,
		r.quickAck, r.method, r.noise, r.targets,
	} {
		section()
	}
	return r.b.String()
}

// p writes one line.
func (r *report) p(format string, args ...any) { fmt.Fprintf(&r.b, format+"\n", args...) }

// text writes a prose template and an empty line. The templates are
// vmbench's own: one that fails is a bug.
func (r *report) text(name string, data any) {
	if err := prose.ExecuteTemplate(&r.b, name, data); err != nil {
		panic(err)
	}
	r.p("")
}

// table writes a markdown table and an empty line.
func (r *report) table(header []string, rows [][]string) {
	r.p("| %s |", strings.Join(header, " | "))
	r.p("|%s", strings.Repeat("---|", len(header)))
	for _, row := range rows {
		r.p("| %s |", strings.Join(row, " | "))
	}
	r.p("")
}

func (r *report) header() {
	r.p("- **Command**: `%s` (as root on Debian 12; it installs what it needs, then runs the suite %d times)", r.command, len(r.runs))
	var dates []string
	for _, run := range r.runs {
		dates = append(dates, fmt.Sprintf("run %d %s – %s", run.Run,
			run.Started.UTC().Format("2006-01-02 15:04"), run.Finished.UTC().Format("15:04 UTC")))
	}
	r.p("- **Date**: %s", strings.Join(dates, "; "))
	for _, l := range append(machine(), versions(r.python)...) {
		r.p("- %s", l)
	}
	for _, run := range r.runs {
		for _, u := range run.Unmeasured {
			r.p("- **Not measured** in run %d: %s", run.Run, u)
		}
	}
	r.text("load.md", nil)
	var rows [][]string
	for _, s := range allSections {
		row := []string{s}
		for _, run := range r.runs {
			i := slices.IndexFunc(run.Load, func(l Load) bool { return l.Section == s })
			if i < 0 {
				row = append(row, "–")
				continue
			}
			l := run.Load[i]
			row = append(row, fmt.Sprintf("background %.0f%%; load %s → %s", l.Background, l.Begin, l.End))
		}
		rows = append(rows, row)
	}
	r.table(append([]string{"section"}, r.runLabels()...), rows)
}

func (r *report) runLabels() []string {
	var out []string
	for _, run := range r.runs {
		out = append(out, fmt.Sprintf("run %d", run.Run))
	}
	return out
}

// perRun returns one cell a run.
func (r *report) perRun(f func(*Result) string) []string {
	var out []string
	for _, run := range r.runs {
		out = append(out, f(run))
	}
	return out
}

func (r *report) any(f func(*Result) bool) bool { return slices.ContainsFunc(r.runs, f) }

// unmeasured says why a section has no figures.
func (r *report) unmeasured(section string) string {
	for _, run := range r.runs {
		for _, u := range run.Unmeasured {
			if after, ok := strings.CutPrefix(u, section+":"); ok {
				return strings.TrimSpace(after)
			}
		}
	}
	return "not run"
}

func ms(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
