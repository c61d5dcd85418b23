//go:build linux

package alive_test

import (
	"bufio"
	"context"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/netns"
	"github.com/vmconn/vmconn/internal/testkit"
)

const (
	deadEnv     = "VMCONN_ALIVE_DEAD" // the dead host, for the child
	deadTimeout = time.Second
)

// BenchmarkDeadHost compares how long the verdict on a dead host
// takes with Check (probes run concurrently under one timeout) and with
// the same probes run one after another, each with that timeout.
//
// As root, the dead host is a lab namespace that drops every packet,
// probed at all layers (SSH, TCP 22, 443, 80, ICMP) from a client
// namespace; the parent reports the child's figures as concurrent-ns/op
// and sequential-ns/op. Elsewhere it is a loopback port that drops
// connection attempts, probed at SSH and three TCP probes, without ICMP.
func BenchmarkDeadHost(b *testing.B) {
	switch {
	case netns.InChild():
		host := os.Getenv(deadEnv)
		benchPair(b, host, &alive.Options{Config: &vmconn.Config{NoAgent: true}, Timeout: deadTimeout})
	case netns.Available():
		benchLab(b)
	default:
		hole := testkit.Blackhole(b)
		host := "127.0.0.1:" + strconv.Itoa(hole)
		benchPair(b, host, &alive.Options{
			Config: &vmconn.Config{NoAgent: true}, Ports: []int{hole, testkit.Blackhole(b), testkit.Blackhole(b)},
			NoICMP: true, Timeout: deadTimeout,
		})
	}
}

// benchPair runs the concurrent and the sequential verdict.
func benchPair(b *testing.B, host string, o *alive.Options) {
	ctx := context.Background()
	for name, check := range map[string]func(context.Context, string, *alive.Options) (*alive.Result, error){
		"concurrent": alive.Check,
		"sequential": alive.CheckSequential,
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				res, err := check(ctx, host, o)
				if err != nil || res.Alive {
					b.Fatalf("%s: %v, %v; want down", host, res, err)
				}
			}
		})
	}
}

// labFigures holds the child's figures: the framework may call the
// benchmark more than once, but the child measures b.N itself.
var labFigures map[string]float64

// benchLab runs the benchmark in a lab's client namespace and reports
// its figures.
func benchLab(b *testing.B) {
	if labFigures == nil {
		labFigures = benchChild(b)
	}
	figures := labFigures
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(figures["concurrent"], "concurrent-ns/op")
	b.ReportMetric(figures["sequential"], "sequential-ns/op")
	b.ReportMetric(figures["sequential"]/figures["concurrent"], "speedup")
}

// benchChild runs the benchmark in a lab and returns its ns/op by
// sub-benchmark.
func benchChild(b *testing.B) map[string]float64 {
	lab := netns.NewLab(b)
	client := lab.AddHost("client", nil)
	dead := lab.AddHost("dead", &netns.HostOptions{Nft: netns.DropAll})
	benchtime := "1x"
	if f := flag.Lookup("test.benchtime"); f != nil {
		benchtime = f.Value.String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := client.TestCommand(ctx, []string{deadEnv + "=" + dead.IPv4.String()},
		"-test.run=^$", "-test.bench=^BenchmarkDeadHost$", "-test.benchtime="+benchtime)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child benchmark: %v\n%s", err, out)
	}
	figures := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() { // "BenchmarkDeadHost/concurrent-2   1   1003456789 ns/op"
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && f[3] == "ns/op" && strings.HasPrefix(f[0], "BenchmarkDeadHost/") {
			name, _, _ := strings.Cut(strings.TrimPrefix(f[0], "BenchmarkDeadHost/"), "-")
			figures[name], _ = strconv.ParseFloat(f[2], 64)
		}
	}
	if figures["concurrent"] == 0 || figures["sequential"] == 0 {
		b.Fatalf("no figures in the child's output:\n%s", out)
	}
	b.Logf("child on host %s:\n%s", client.Name, out)
	return figures
}
