package fanout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn/fanout"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
	"github.com/vmconn/vmconn/vmtest"
)

// countTo is a job that prints n numbered lines (and every tenth on
// stderr) with pauses, so that connections can drop while it runs.
func countTo(n int) string {
	return fmt.Sprintf(`i=1; while [ $i -le %d ]; do echo "line $i of $VMTEST_BOOT_ID"; [ $((i %% 10)) -eq 0 ] && echo "err $i" >&2; i=$((i+1)); sleep 0.02; done`, n)
}

// wantCount is what countTo(n) prints on srv.
func wantCount(srv *vmtest.Server, n int) (stdout, stderr string) {
	var out, errOut strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&out, "line %d of %s\n", i, srv.BootID())
		if i%10 == 0 {
			fmt.Fprintf(&errOut, "err %d\n", i)
		}
	}
	return out.String(), errOut.String()
}

// reapAll kills, at cleanup, whatever is left of the results' jobs.
func reapAll(t *testing.T, results []fanout.Result) {
	t.Cleanup(func() {
		for _, r := range results {
			if r.Job != nil {
				testkit.ReapJob(t, r.Job.Dir, r.Job.Pid)
			}
		}
	})
}

// dropper drops a server's connections each time the host's output has
// grown by another step lines, up to times times.
type dropper struct {
	srv         *vmtest.Server
	step, times int

	mu    sync.Mutex
	buf   bytes.Buffer
	drops int
}

func (d *dropper) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.buf.Write(p)
	if d.drops < d.times && bytes.Count(d.buf.Bytes(), []byte("\n")) >= (d.drops+1)*d.step {
		d.drops++
		d.srv.DropConnections()
	}
	return len(p), nil
}

func (d *dropper) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.String()
}

// TestRunJobsFleet: a job on 20 hosts, whose connections drop again and
// again on every third host while the jobs run: each host resumes on its
// own and delivers every byte of its job exactly once, in order.
func TestRunJobsFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n, lines = 20, 60
	srvs, cfg := fleet(t, n)
	var logs testkit.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var hosts []string
	outs, errOuts := map[string]*dropper{}, map[string]*testkit.Buffer{}
	for i, srv := range srvs {
		hosts = append(hosts, srv.Addr())
		d := &dropper{srv: srv, step: 15}
		if i%3 == 0 {
			d.times = 3
		}
		outs[srv.Addr()], errOuts[srv.Addr()] = d, &testkit.Buffer{}
	}
	var started testkit.Buffer
	opts := &fanout.JobOptions{
		Options: fanout.Options{Config: cfg, Parallel: 8, Output: func(_ int, host string) (io.Writer, io.Writer) {
			return outs[host], errOuts[host]
		}},
		Job:     testkit.JobOptions(t),
		OnStart: func(host string, j *job.Job) { fmt.Fprintln(&started, host, j.ID) },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // 20 jobs: slow on a loaded machine
	defer cancel()
	results := fanout.RunJobs(ctx, hosts, countTo(lines), opts)
	reapAll(t, results)
	drops := 0
	for i, r := range results {
		d := outs[r.Host]
		drops += d.drops
		wantOut, wantErr := wantCount(srvs[i], lines)
		if r.Host != hosts[i] || r.Class != fanout.OK || r.ExitStatus != 0 || r.Job == nil || r.Duration <= 0 {
			t.Errorf("host %d %s (%d drops): %+v", i, hosts[i], d.drops, r)
			if r.Job != nil {
				ex, _ := os.ReadFile(r.Job.Dir + "/exit")
				t.Logf("exit file %q; log records:", ex)
				for _, l := range strings.Split(logs.String(), "\n") {
					if strings.Contains(l, r.Job.ID) || strings.Contains(l, hosts[i]) {
						t.Log(l)
					}
				}
			}
			continue
		}
		if d.String() != wantOut || errOuts[r.Host].String() != wantErr {
			t.Errorf("%s (%d drops): stdout %q\nstderr %q", r.Host, d.drops, d.String(), errOuts[r.Host].String())
		}
		if o, e := r.Job.Offsets(); o != int64(len(wantOut)) || e != int64(len(wantErr)) {
			t.Errorf("%s: offsets %d, %d; want %d, %d", r.Host, o, e, len(wantOut), len(wantErr))
		}
	}
	if drops < 7 { // a resumed follow may deliver several steps at once
		t.Errorf("%d connection drops; want at least 7", drops)
	}
	if strings.Count(started.String(), "\n") != n {
		t.Errorf("OnStart calls:\n%s", started.String())
	}
}

// TestStartAndAttachJobs: StartJobs starts without following; AttachJobs
// follows the jobs from the offsets given, and a job that is not there
// is that host's failure alone.
func TestStartAndAttachJobs(t *testing.T) {
	t.Parallel()
	srvs, cfg := fleet(t, 3)
	hosts := []string{srvs[0].Addr(), srvs[1].Addr(), srvs[2].Addr()}
	opts := &fanout.JobOptions{Options: fanout.Options{Config: cfg}, Job: testkit.JobOptions(t)}
	started := fanout.StartJobs(testkit.Ctx(t), hosts, "echo first; echo second", opts)
	reapAll(t, started)
	var refs []fanout.JobRef
	for _, r := range started {
		if r.Class != fanout.OK || r.Job == nil || r.ExitStatus != -1 {
			t.Fatalf("%s: %+v", r.Host, r)
		}
		refs = append(refs, fanout.JobRef{Host: r.Host, ID: r.Job.ID, Stdout: int64(len("first\n"))})
	}
	refs[2].ID = "20000101-000000-nosuch"
	results := fanout.AttachJobs(testkit.Ctx(t), refs, opts)
	for i, r := range results[:2] {
		if r.Class != fanout.OK || string(r.Stdout) != "second\n" || r.Job.ID != started[i].Job.ID {
			t.Errorf("%s: %+v (stdout %q)", r.Host, r, r.Stdout)
		}
	}
	if r := results[2]; r.Class != fanout.Error || !errors.Is(r.Err, job.ErrNotFound) || r.Job != nil {
		t.Errorf("missing job: %+v", r)
	}
}

// TestRunJobsCancel: when ctx ends the jobs go on, detached, and each
// Result says where to resume; with KillOnCancel they are killed and
// followed to their end.
func TestRunJobsCancel(t *testing.T) {
	t.Parallel()
	srvs, cfg := fleet(t, 2)
	hosts := []string{srvs[0].Addr(), srvs[1].Addr()}
	for _, kill := range []bool{false, true} {
		ctx, cancel := context.WithCancel(testkit.Ctx(t))
		opts := &fanout.JobOptions{Job: testkit.JobOptions(t), KillOnCancel: kill,
			Options: fanout.Options{Config: cfg, Stdout: &readyCounter{n: len(hosts), do: cancel}}}
		results := fanout.RunJobs(ctx, hosts, "echo ready; sleep 30", opts)
		cancel()
		reapAll(t, results)
		for _, r := range results {
			if r.Job == nil {
				t.Fatalf("%s: %+v", r.Host, r)
			}
			o, _ := r.Job.Offsets()
			switch {
			case !kill && (!errors.Is(r.Err, context.Canceled) || r.ExitStatus != -1 || o != int64(len("ready\n"))):
				t.Errorf("detached %s: %+v, offset %d", r.Host, r, o)
			case kill && (r.Class != fanout.Failed || r.ExitStatus != 128+15):
				t.Errorf("killed %s: %+v", r.Host, r)
			}
		}
	}
}

// readyCounter calls do once it has seen n lines.
type readyCounter struct {
	mu    sync.Mutex
	n     int
	lines int
	do    func()
}

func (w *readyCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines += bytes.Count(p, []byte("\n"))
	if w.lines == w.n {
		w.do()
	}
	return len(p), nil
}
