package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vmconn/vmconn/bench/internal/stats"
)

func (r *report) throughput() {
	var bytes int64
	for _, run := range r.runs {
		for _, t := range run.Transfer {
			if t.Err == "" {
				bytes = t.Bytes
			}
		}
	}
	r.text("throughput.md", map[string]any{"Bytes": bytes, "N": r.transfers(), "Cipher": commonCipher, "MAC": commonMAC})
	header := []string{"client", "setting", "cipher"}
	for _, col := range []string{"MiB/s ", "÷ vmconn "} {
		for _, l := range r.runLabels() {
			header = append(header, col+l)
		}
	}
	var rows [][]string
	for _, k := range r.transferKeys() {
		rows = append(rows, r.transferRow(k[0], k[1]))
	}
	r.table(append(header, "failed transfers"), rows)
	var errs []string
	for _, run := range r.runs {
		for _, t := range run.Transfer {
			if e := t.Client + ": " + t.Err; t.Err != "" && !slices.Contains(errs, e) {
				errs = append(errs, e)
			}
		}
	}
	for _, e := range errs {
		r.p("- failed transfer: `%s`", e)
	}
	if len(errs) > 0 {
		r.p("")
	}
}

// transferKeys are the (client, setting) pairs, common setting first.
func (r *report) transferKeys() [][2]string {
	var keys [][2]string
	for _, run := range r.runs {
		for _, t := range run.Transfer {
			if k := [2]string{t.Client, t.Setting}; !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.SortStableFunc(keys, func(a, b [2]string) int { return strings.Compare(a[1], b[1]) })
	return keys
}

func (r *report) transferRow(client, setting string) []string {
	cipher := ""
	var rates, ratios, failed []string
	for _, run := range r.runs {
		rate, fails, c := transferRate(run, client, setting)
		base, _, _ := transferRate(run, "vmconn", setting)
		if cipher == "" || cipher == "?" {
			cipher = c
		}
		failed = append(failed, fails)
		switch {
		case rate == 0:
			rates, ratios = append(rates, "–"), append(ratios, "–")
		case base == 0:
			rates, ratios = append(rates, fmt.Sprintf("%.0f", rate)), append(ratios, "–")
		default:
			rates, ratios = append(rates, fmt.Sprintf("%.0f", rate)), append(ratios, fmt.Sprintf("%.2f×", rate/base))
		}
	}
	row := []string{client, setting, "`" + cipher + "`"}
	row = append(append(row, rates...), ratios...)
	return append(row, strings.Join(failed, "; "))
}

// transferRate returns the median MiB/s of the client's successful
// transfers in a setting, "k of n" failed, and the cipher.
func transferRate(run *Result, client, setting string) (rate float64, failed, cipher string) {
	var rates []float64
	n, bad := 0, 0
	for _, t := range run.Transfer {
		if t.Client != client || t.Setting != setting {
			continue
		}
		n++
		if cipher == "" || cipher == "?" {
			cipher = t.Cipher
		}
		if t.Err != "" {
			bad++
			continue
		}
		rates = append(rates, t.MiBps())
	}
	slices.Sort(rates)
	if len(rates) > 0 {
		rate = stats.Quantile(rates, 0.5)
	}
	return rate, fmt.Sprintf("%d of %d", bad, n), cipher
}

// transfers is how many transfers each client made per setting.
func (r *report) transfers() int {
	n := 0
	if len(r.runs) > 0 {
		for _, t := range r.runs[0].Transfer {
			if t.Client == "vmconn" && t.Setting == "common" {
				n++
			}
		}
	}
	return n
}
