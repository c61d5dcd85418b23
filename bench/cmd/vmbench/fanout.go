package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/bench/internal/proc"
	"github.com/vmconn/vmconn/fanout"
)

// fanOutCommand is what every fan-out runs; each client checks the output.
const fanOutCommand = "echo ok"

// fanOut: `echo ok` on N connections at once (connection i goes to sshd
// i mod servers), for each client in its own process tree, whose peak
// memory is sampled.
func (b *bench) fanOut(ctx context.Context) error {
	for round, n := range b.opts.fanout {
		hostsFile := filepath.Join(b.farm.Dir, fmt.Sprintf("hosts.%d", n))
		xargsFile := filepath.Join(b.farm.Dir, fmt.Sprintf("xargs.%d", n))
		var hosts, xargsLines strings.Builder
		for i := range n {
			s := b.fan[i%len(b.fan)]
			fmt.Fprintf(&hosts, "127.0.0.1 %d\n", s.Port)
			fmt.Fprintf(&xargsLines, "-p %d %s@127.0.0.1 %s\n", s.Port, b.farm.User, fanOutCommand)
		}
		if err := os.WriteFile(hostsFile, []byte(hosts.String()), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(xargsFile, []byte(xargsLines.String()), 0o644); err != nil {
			return err
		}
		clients := []func(context.Context) FanOut{
			func(ctx context.Context) FanOut { return b.fanVmconn(ctx, n, hostsFile) },
			func(ctx context.Context) FanOut { return b.fanParamiko(ctx, n, hostsFile) },
			func(ctx context.Context) FanOut { return b.fanSSH(ctx, n, xargsFile) },
		}
		for k := range clients {
			if err := b.waitQuiet(ctx); err != nil {
				return err
			}
			f := clients[(round+k)%len(clients)](ctx)
			log.Printf("fan-out %d %s: ok %d failed %d in %.2fs, peak RSS %d MiB", n, f.Client, f.OK, f.Failed, f.Seconds, f.Peak.RSS>>20)
			b.res.FanOut = append(b.res.FanOut, f)
		}
	}
	return b.waitQuiet(ctx)
}

// waitQuiet waits (at most a minute) until no sshd has a connection left
// from the previous client, so that runs do not overlap.
func (b *bench) waitQuiet(ctx context.Context) error {
	var pids []int
	for _, s := range b.fan {
		pids = append(pids, s.Pid())
	}
	for range 600 {
		if proc.CountDescendants(pids) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	log.Printf("fan-out: sshd sessions still open after 60s: %d", proc.CountDescendants(pids))
	return nil
}

// measured runs cmd, sampling the memory of its process tree, and returns
// its stdout and wall time.
func measured(cmd *exec.Cmd) (out []byte, wall time.Duration, peak proc.Peak, err error) {
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, peak, err
	}
	s := proc.Sample(cmd.Process.Pid, 25*time.Millisecond)
	err = cmd.Wait()
	wall = time.Since(start)
	peak = s.Stop()
	return stdout.Bytes(), wall, peak, err
}

// fanReport is what the vmconn and paramiko fan-out processes print.
type fanReport struct {
	OK      int      `json:"ok"`
	Failed  int      `json:"failed"`
	Errors  []string `json:"errors"`
	Seconds float64  `json:"seconds"`
	Go      *GoPeak  `json:"go,omitempty"`
}

// GoPeak is the most the vmconn fan-out process's Go runtime held at one
// sample: where its memory goes.
type GoPeak struct {
	HeapLive   int64 // bytes of live heap objects and not yet collected garbage (HeapAlloc)
	Stacks     int64 // goroutine stacks (StackInuse)
	Goroutines int
}

// sampleRuntime samples the Go runtime every 25 ms until the returned
// function is called, which returns the peaks.
func sampleRuntime() func() *GoPeak {
	var p GoPeak
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(25 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			p.HeapLive = max(p.HeapLive, int64(ms.HeapAlloc))
			p.Stacks = max(p.Stacks, int64(ms.StackInuse))
			p.Goroutines = max(p.Goroutines, runtime.NumGoroutine())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() *GoPeak { close(done); <-finished; return &p }
}

func (b *bench) fanProcess(ctx context.Context, client string, n int, cmd *exec.Cmd) FanOut {
	f := FanOut{Client: client, N: n}
	out, wall, peak, err := measured(cmd)
	f.Wall, f.Peak = wall.Seconds(), peak
	var r fanReport
	if err == nil {
		err = json.Unmarshal(out, &r)
	}
	if err != nil {
		f.Err, f.Failed = err.Error(), n
		return f
	}
	f.OK, f.Failed, f.Errors, f.Seconds, f.Go = r.OK, r.Failed, r.Errors, r.Seconds, r.Go
	return f
}

func (b *bench) fanVmconn(ctx context.Context, n int, hostsFile string) FanOut {
	cmd := exec.CommandContext(ctx, b.self, "fanout-worker", "-hosts", hostsFile, "-user", b.farm.User,
		"-key", b.farm.ClientKey, "-known-hosts", b.farm.KnownHosts, "-command", fanOutCommand)
	return b.fanProcess(ctx, "vmconn FanOut.RunAll", n, cmd)
}

func (b *bench) fanParamiko(ctx context.Context, n int, hostsFile string) FanOut {
	cmd := exec.CommandContext(ctx, b.opts.python, b.opts.pbench, "fanout", hostsFile, strconv.Itoa(n),
		fanOutCommand, b.farm.User, b.farm.ClientKey, b.farm.KnownHosts)
	return b.fanProcess(ctx, "paramiko, thread pool", n, cmd)
}

// fanSSH runs one ssh process per connection with xargs -P N. The time
// is the whole xargs run, as a script would see it.
func (b *bench) fanSSH(ctx context.Context, n int, xargsFile string) FanOut {
	f := FanOut{Client: "OpenSSH ssh, xargs -P", N: n}
	in, err := os.Open(xargsFile)
	if err != nil {
		f.Err = err.Error()
		return f
	}
	defer in.Close()
	cmd := exec.CommandContext(ctx, "xargs", append([]string{"-P", strconv.Itoa(n), "-L", "1", "ssh"}, b.sshOpts()...)...)
	cmd.Stdin, cmd.Env = in, sshEnv()
	out, wall, peak, err := measured(cmd)
	f.Seconds, f.Wall, f.Peak = wall.Seconds(), wall.Seconds(), peak
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if sc.Text() == "ok" {
			f.OK++
		}
	}
	f.Failed = n - f.OK
	if err != nil {
		f.Err = err.Error()
	}
	return f
}

// cmdFanoutWorker is the vmconn fan-out process: fanout.Run on every
// host of the file at once, printing a fanReport.
func cmdFanoutWorker(args []string) error {
	fs := flag.NewFlagSet("fanout-worker", flag.ExitOnError)
	hostsFile := fs.String("hosts", "", "file of \"host port\" lines")
	user := fs.String("user", "", "login user")
	key := fs.String("key", "", "private key file")
	known := fs.String("known-hosts", "", "known_hosts file")
	command := fs.String("command", fanOutCommand, "command to run")
	_ = fs.Parse(args)
	b, err := os.ReadFile(*hostsFile)
	if err != nil {
		return err
	}
	var hosts []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 {
			hosts = append(hosts, f[0]+":"+f[1])
		}
	}
	opts := &fanout.Options{
		Config: &vmconn.Config{User: *user, IdentityFiles: []string{*key}, KnownHostsFiles: []string{*known},
			NoAgent: true, ConnectTimeout: connectTimeout},
		Parallel: len(hosts),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	stop := sampleRuntime()
	start := time.Now()
	results := fanout.Run(ctx, hosts, *command, opts)
	r := fanReport{Seconds: time.Since(start).Seconds()}
	r.Go = stop()
	for _, h := range results {
		if h.Class == fanout.OK && string(h.Stdout) == "ok\n" {
			r.OK++
			continue
		}
		r.Failed++
		if len(r.Errors) < 5 {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %s %v %q", h.Host, h.Class, h.Err, h.Stdout))
		}
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}
