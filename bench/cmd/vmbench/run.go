package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmconn/vmconn/bench/internal/proc"
	"github.com/vmconn/vmconn/bench/internal/sshd"
)

// options are run's flags.
type options struct {
	out           string
	run           int
	servers       int
	latencyN      int
	cliN          int
	connectN      int
	rounds        int
	connectRounds int
	transfers     int
	bytes         int64
	fanout        []int
	sections      map[string]bool
	python        string
	pbench        string
	aliveReps     int
	onlineReps    int
}

// bench is one run's state: the sshd farm and the paramiko worker.
type bench struct {
	opts   options
	farm   *sshd.Farm
	main   *sshd.Server   // per-command latency, fresh connections, jobs
	fan    []*sshd.Server // fan-out (main is the first)
	common *sshd.Server   // throughput with one cipher for every client
	dflt   *sshd.Server   // throughput with each client's default cipher
	hung   *sshd.Server   // stopped with SIGSTOP for the liveness section
	py     *paramikoWorker
	self   string // this executable
	res    *Result
}

var allSections = []string{"latency", "connect", "throughput", "jobs", "alive", "online", "cli", "fanout"}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var o options
	var fanout, sections string
	fs.StringVar(&o.out, "o", "", "write the results (JSON) to this file")
	fs.IntVar(&o.run, "run", 1, "run number, for the report")
	fs.IntVar(&o.servers, "sshd", 20, "sshd instances for the fan-out")
	fs.IntVar(&o.latencyN, "latency-n", 300, "commands per client over one kept connection")
	fs.IntVar(&o.cliN, "cli-n", 100, "CLI processes per client in the shell-loop section")
	fs.IntVar(&o.connectN, "connect-n", 30, "fresh connections per client")
	fs.IntVar(&o.rounds, "rounds", 300, "interleaved rounds the latency samples are split into")
	fs.IntVar(&o.connectRounds, "connect-rounds", 30, "interleaved rounds of the fresh connections")
	fs.IntVar(&o.transfers, "transfers", 5, "transfers per client and setting in the throughput section")
	fs.Int64Var(&o.bytes, "bytes", 1<<30, "bytes of stdout for the throughput section")
	fs.StringVar(&fanout, "fanout", "50,200,1000", "fan-out sizes (connections)")
	fs.StringVar(&sections, "sections", strings.Join(allSections, ","), "sections to run")
	fs.StringVar(&o.python, "python", "/usr/bin/python3", "python with paramiko (Debian's python3-paramiko)")
	fs.StringVar(&o.pbench, "pbench", "", "bench/paramiko/pbench.py (default: beside bench/cmd)")
	fs.IntVar(&o.aliveReps, "alive-reps", 2, "liveness verdicts per method")
	fs.IntVar(&o.onlineReps, "online-reps", 15, "sshd restarts per client in the back-online section (a median of 5 moves by 30 ms between runs)")
	_ = fs.Parse(args)
	if o.out == "" {
		return fmt.Errorf("run: -o FILE is required")
	}
	for _, f := range strings.Split(fanout, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("run: bad -fanout %q", fanout)
		}
		o.fanout = append(o.fanout, n)
	}
	o.sections = map[string]bool{}
	for _, s := range strings.Split(sections, ",") {
		o.sections[strings.TrimSpace(s)] = true
	}
	if o.pbench == "" {
		o.pbench = filepath.Join(moduleDir(), "bench", "paramiko", "pbench.py")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, o)
}

// moduleDir is the working directory's module root (vmbench runs from it).
func moduleDir() string {
	dir, _ := os.Getwd()
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	return dir
}

func run(ctx context.Context, o options) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "vmbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{opts: o, self: self, res: &Result{Run: o.run, Started: time.Now(), Servers: o.servers,
		Rounds: [2]int{min(o.rounds, o.latencyN), min(o.connectRounds, o.connectN)}}}
	if err := b.start(ctx, dir); err != nil {
		return err
	}
	defer b.stop()
	sections := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"latency", b.latency}, {"connect", b.connect}, {"throughput", b.throughput},
		{"jobs", b.jobs}, {"alive", b.alive}, {"online", b.online}, {"cli", b.cli},
		{"fanout", b.fanOut}, // last: it leaves the load average high for minutes
	}
	settle(ctx)
	for _, s := range sections {
		if !o.sections[s.name] {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l := Load{Section: s.name, Begin: loadavg(), Background: proc.CPUBusy(time.Second)}
		log.Printf("run %d: %s (load %s, background CPU %.0f%%)", o.run, s.name, l.Begin, l.Background)
		if err := s.fn(ctx); err != nil {
			// One section's failure (a feature being reworked, a tool
			// missing) leaves the others' figures standing.
			log.Printf("run %d: %s not measured: %v", o.run, s.name, err)
			b.res.Unmeasured = append(b.res.Unmeasured, s.name+": "+err.Error())
		}
		l.End = loadavg()
		b.res.Load = append(b.res.Load, l)
		b.res.Finished = time.Now()
		if err := b.res.write(o.out); err != nil { // keep what was measured so far
			return err
		}
	}
	return nil
}

// settle waits, at most two minutes, until the machine's CPU is less than
// a quarter busy over one second: after the previous run's fan-out, or
// while other work ends.
func settle(ctx context.Context) {
	for range 120 {
		if ctx.Err() != nil || proc.CPUBusy(time.Second) < 25 {
			return
		}
	}
	log.Printf("machine still busy after 2 minutes; measuring anyway")
}

// start starts the sshd instances and the paramiko worker.
func (b *bench) start(ctx context.Context, dir string) error {
	farm, err := sshd.Start(ctx, dir)
	if err != nil {
		return err
	}
	b.farm = farm
	for range b.opts.servers {
		s, err := farm.Add(ctx)
		if err != nil {
			return err
		}
		b.fan = append(b.fan, s)
	}
	b.main = b.fan[0]
	if b.common, err = farm.Add(ctx, "Ciphers "+commonCipher, "MACs "+commonMAC, "LogLevel DEBUG1"); err != nil {
		return err
	}
	if b.dflt, err = farm.Add(ctx, "LogLevel DEBUG1"); err != nil {
		return err
	}
	if b.hung, err = farm.Add(ctx); err != nil {
		return err
	}
	b.py, err = startParamiko(b.opts.python, b.opts.pbench)
	return err
}

func (b *bench) stop() {
	if b.py != nil {
		b.py.close()
	}
	if b.farm != nil {
		b.farm.Close()
	}
}
