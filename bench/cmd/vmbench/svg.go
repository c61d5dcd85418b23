package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// seriesOrder are the fan-out clients, in the legend's order.
var seriesOrder = []string{"vmconn FanOut.RunAll", "paramiko, thread pool", "OpenSSH ssh, xargs -P"}

// seriesColor is each client's colour.
var seriesColor = map[string]string{
	"vmconn FanOut.RunAll":  "#1f77b4",
	"paramiko, thread pool": "#d62728",
	"OpenSSH ssh, xargs -P": "#2ca02c",
}

// fanOutChart draws fan-out time and peak RSS against N, one panel each:
// every run's point, and a line through the mean of the runs.
func fanOutChart(runs []*Result) string {
	const w, h = 960, 420
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	panel(&b, runs, 70, 40, 380, 300, "Fan-out wall time (s, log scale)", func(f FanOut) float64 { return f.Seconds })
	panel(&b, runs, 550, 40, 380, 300, "Peak client memory, RSS (MiB, log scale)", func(f FanOut) float64 { return float64(f.Peak.RSS) / (1 << 20) })
	x := 70.0
	for _, c := range seriesOrder {
		fmt.Fprintf(&b, `<line x1="%.0f" y1="400" x2="%.0f" y2="400" stroke="%s" stroke-width="3"/>`, x, x+24, seriesColor[c])
		fmt.Fprintf(&b, `<text x="%.0f" y="404">%s</text>`+"\n", x+30, esc(c))
		x += 215
	}
	fmt.Fprintf(&b, `<text x="%d" y="404" fill="#555">dots: each run; line: their mean</text>`+"\n", 720)
	b.WriteString("</svg>\n")
	return b.String()
}

// panel draws one chart with its top-left corner at (x0, y0). Both axes
// are logarithmic: the clients differ tenfold, and a constant ratio
// between two clients is then a constant gap.
func panel(b *strings.Builder, runs []*Result, x0, y0, pw, ph float64, title string, val func(FanOut) float64) {
	ns, lo, hi := panelRange(runs, val)
	if len(ns) == 0 {
		return
	}
	xlo, xhi := math.Log10(float64(ns[0])/1.25), math.Log10(float64(ns[len(ns)-1])*1.25)
	ylo, yhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	px := func(n float64) float64 { return x0 + (math.Log10(n)-xlo)/(xhi-xlo)*pw }
	py := func(v float64) float64 { return y0 + ph - (math.Log10(v)-ylo)/(yhi-ylo)*ph }
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="14" font-weight="bold">%s</text>`+"\n", x0, y0-15, esc(title))
	for e := ylo; e <= yhi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if math.Log10(v) > yhi+1e-9 {
				break
			}
			fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`, x0, py(v), x0+pw, py(v))
			fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-6, py(v)+4, trim(v))
		}
	}
	for _, n := range ns {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#999"/>`, px(float64(n)), y0+ph, px(float64(n)), y0+ph+5)
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`+"\n", px(float64(n)), y0+ph+18, n)
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">connections (N), log scale</text>`+"\n", x0+pw/2, y0+ph+34)
	fmt.Fprintf(b, `<polyline points="%.0f,%.0f %.0f,%.0f %.0f,%.0f" fill="none" stroke="#333"/>`+"\n", x0, y0, x0, y0+ph, x0+pw, y0+ph)
	for _, client := range seriesOrder {
		series(b, runs, client, ns, px, py, val)
	}
}

// panelRange returns the sizes measured and the smallest and largest value.
func panelRange(runs []*Result, val func(FanOut) float64) (ns []int, lo, hi float64) {
	lo = math.Inf(1)
	for _, run := range runs {
		for _, f := range run.FanOut {
			if f.Err != "" || val(f) <= 0 {
				continue
			}
			if !slices.Contains(ns, f.N) {
				ns = append(ns, f.N)
			}
			lo, hi = math.Min(lo, val(f)), math.Max(hi, val(f))
		}
	}
	slices.Sort(ns)
	return ns, lo, hi
}

// series draws a client's points, one per run and size, and a line
// through the mean of each size.
func series(b *strings.Builder, runs []*Result, client string, ns []int, px, py func(float64) float64, val func(FanOut) float64) {
	color := seriesColor[client]
	var line []string
	for _, n := range ns {
		var total float64
		var k int
		for _, run := range runs {
			for _, f := range run.FanOut {
				if f.Client == client && f.N == n && f.Err == "" && val(f) > 0 {
					fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, px(float64(n)), py(val(f)), color)
					total += val(f)
					k++
				}
			}
		}
		if k > 0 {
			line = append(line, fmt.Sprintf("%.1f,%.1f", px(float64(n)), py(total/float64(k))))
		}
	}
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(line, " "), color)
}

func trim(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
