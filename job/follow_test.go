package job_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
)

// TestJobStreams proves output is followed live, without timing: the job
// prints a line, then waits until the test has received it.
func TestJobStreams(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	flag := filepath.Join(t.TempDir(), "got-first")
	j := testkit.StartJob(t, c, fmt.Sprintf(`echo first; i=0; while [ ! -e %s ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; [ -e %[1]s ] && echo second`,
		vmconn.ShellQuote(flag)), testkit.JobOptions(t))
	w := &testkit.NotifyBuffer{When: "first\n", Do: func() { os.WriteFile(flag, nil, 0o600) }}
	if err := j.Follow(testkit.Ctx(t), w, nil); err != nil || w.String() != "first\nsecond\n" {
		t.Errorf("Follow = %v, output %q (not streamed?)", err, w.String())
	}
}

// TestJobSurvivesDrop: the job runs on while every connection is cut, and
// Follow resumes exactly where it was.
func TestJobSurvivesDrop(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	cfg := testkit.Config(srv)
	cfg.ReconnectBackoff = 10 * time.Millisecond
	c := testkit.Dial(t, srv, cfg)
	j := testkit.StartJob(t, c, `for i in $(seq 1 60); do echo "line $i"; echo "err $i" >&2; sleep 0.01; done`, testkit.JobOptions(t))
	drops := 0
	out := &testkit.NotifyBuffer{When: "line 10\n", Do: func() {
		go func() {
			for range 5 {
				srv.DropConnections()
				drops++
				time.Sleep(60 * time.Millisecond)
			}
		}()
	}}
	var errOut testkit.NotifyBuffer
	if err := j.Follow(testkit.Ctx(t), out, &errOut); err != nil {
		t.Fatalf("Follow = %v", err)
	}
	var want, wantErr strings.Builder
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&want, "line %d\n", i)
		fmt.Fprintf(&wantErr, "err %d\n", i)
	}
	if out.String() != want.String() || errOut.String() != wantErr.String() {
		t.Errorf("after drops:\nstdout %q\nstderr %q", out.String(), errOut.String())
	}
}

// TestJobRebootLost: a reboot while the job runs ends Follow with a
// LostError carrying what was delivered; it never waits for an exit
// status that cannot come.
func TestJobRebootLost(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	cfg := testkit.Config(srv)
	cfg.ReconnectBackoff = 20 * time.Millisecond
	c := testkit.Dial(t, srv, cfg)
	before := srv.BootID()
	j := testkit.StartJob(t, c, "echo running; echo warn >&2; sleep 60", testkit.JobOptions(t))
	out := &testkit.NotifyBuffer{When: "running\n", Do: func() { go srv.Reboot() }}
	start := time.Now()
	err := j.Follow(testkit.Ctx(t), out, nil)
	var lost *job.LostError
	if !errors.As(err, &lost) || !errors.Is(err, job.ErrLost) || !errors.Is(err, vmconn.ErrRebooted) {
		t.Fatalf("Follow = %v; want a LostError", err)
	}
	if lost.Reason != "rebooted" || lost.OldBootID != before || lost.NewBootID != srv.BootID() ||
		lost.Stdout != 8 || lost.Stderr != 5 || string(lost.StdoutTail) != "running\n" || string(lost.StderrTail) != "warn\n" {
		t.Errorf("LostError %+v", lost)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Follow took %v", took)
	}
	if st, err := j.Status(testkit.Ctx(t)); err != nil || st.State != job.Lost || j.ExitCode() != -1 {
		t.Errorf("Status = %+v, %v", st, err)
	}
	if err := j.Kill(testkit.Ctx(t), ""); !errors.As(err, &lost) {
		t.Errorf("Kill of a lost job = %v; want a LostError (nothing signalled)", err)
	}
}

// TestJobEndedBeforeReboot: a job that ended before the reboot reports
// its status: it was not lost.
func TestJobEndedBeforeReboot(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	c := testkit.Dial(t, srv, nil)
	j := testkit.StartJob(t, c, "echo done; exit 4", testkit.JobOptions(t))
	testkit.WaitJobFile(t, j.Dir, "exit")
	srv.Reboot()
	var out testkit.NotifyBuffer
	err := j.Follow(testkit.Ctx(t), &out, nil)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 4 || out.String() != "done\n" {
		t.Errorf("Follow = %v, %q; want status 4", err, out.String())
	}
}

// TestJobVanished: a wrapper killed before it recorded a status makes the
// job lost, not rebooted, and not a hang.
func TestJobVanished(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "echo started; sleep 60", testkit.JobOptions(t))
	b, _ := os.ReadFile(filepath.Join(j.Dir, "wrapper"))
	var wrapper int
	fmt.Sscan(string(b), &wrapper)
	out := &testkit.NotifyBuffer{When: "started\n", Do: func() { killPid(wrapper) }}
	err := j.Follow(testkit.Ctx(t), out, nil)
	var lost *job.LostError
	if !errors.As(err, &lost) || lost.Reason != "vanished" || errors.Is(err, vmconn.ErrRebooted) || out.String() != "started\n" {
		t.Errorf("Follow = %v, %q; want lost (vanished)", err, out.String())
	}
}

// TestJobFollowCancel: ending the context stops following at once and
// leaves the job running.
func TestJobFollowCancel(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "echo a; sleep 60", testkit.JobOptions(t))
	ctx, cancel := context.WithCancel(testkit.Ctx(t))
	out := &testkit.NotifyBuffer{When: "a\n", Do: cancel}
	start := time.Now()
	if err := j.Follow(ctx, out, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Follow = %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("cancel took %v", took)
	}
	if st, err := j.Status(testkit.Ctx(t)); err != nil || st.State != job.Running {
		t.Errorf("after cancel: %+v, %v; want running", st, err)
	}
}

// TestJobWriterError: a failing writer ends Follow with its error, and
// the offsets count only what it accepted.
func TestJobWriterError(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "echo 1234567890; sleep 60", testkit.JobOptions(t))
	boom := errors.New("disk full")
	err := j.Follow(testkit.Ctx(t), &jobFailingWriter{n: 4, err: boom}, nil)
	if !errors.Is(err, boom) {
		t.Errorf("Follow = %v; want the writer's error", err)
	}
	if o, _ := j.Offsets(); o != 4 {
		t.Errorf("offset %d; want the 4 bytes accepted", o)
	}
}

type jobFailingWriter struct {
	n   int
	err error
}

func (w *jobFailingWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	n := w.n
	w.n = 0
	return n, w.err
}

// TestJobLargeOutputConstantMemory follows 100 MB through a counting
// writer: the heap does not grow with it.
func TestJobLargeOutputConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	c := testkit.Dial(t, testkit.Server(t), nil)
	const size = 100_000_000
	j := testkit.StartJob(t, c, fmt.Sprintf("head -c %d /dev/zero | tr '\\0' x", size), testkit.JobOptions(t))
	var n countWriter
	var peak uint64
	stop := testkit.SampleHeap(&peak)
	err := j.Follow(testkit.Ctx(t), &n, nil)
	stop()
	if err != nil || n.n != size {
		t.Fatalf("got %d bytes, %v", n.n, err)
	}
	if peak > 64<<20 {
		t.Errorf("heap peaked at %d MiB while following 100 MB", peak>>20)
	}
}

// TestJobCatchUpInterrupted: reads of an ended job's logs that the link
// cuts before they deliver anything, again and again, are retried: Follow
// returns the status only with every byte. (A stand-in tail delays such
// reads; the connection drops every 100 ms for a while.)
func TestJobCatchUpInterrupted(t *testing.T) {
	realTail, err := exec.LookPath("tail")
	if err != nil {
		t.Skip(err)
	}
	bin := t.TempDir()
	shim := "#!/bin/sh\ncase \" $* \" in *' -f '*) ;; *) sleep 0.3 ;; esac\nexec " + vmconn.ShellQuote(realTail) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "tail"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	srv := testkit.Server(t)
	cfg := testkit.Config(srv)
	cfg.ReconnectBackoff = 5 * time.Millisecond
	c := testkit.Dial(t, srv, cfg)
	j := testkit.StartJob(t, c, "seq 1 2000; exit 5", testkit.JobOptions(t))
	testkit.WaitJobFile(t, j.Dir, "exit")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 15 {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			srv.DropConnections()
		}
	})
	var out testkit.NotifyBuffer
	err = j.Follow(testkit.Ctx(t), &out, nil)
	close(stop)
	wg.Wait()
	var want strings.Builder
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&want, "%d\n", i)
	}
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 5 || out.String() != want.String() {
		t.Errorf("Follow = %v with %d of %d bytes", err, len(out.String()), want.Len())
	}
}
