package job_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

// TestJobAttach: a second client (another process, after a restart)
// attaches by ID and resumes at the offsets the first one reached.
func TestJobAttach(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	c1 := testkit.Dial(t, srv, nil)
	opts := testkit.JobOptions(t)
	j := testkit.StartJob(t, c1, `for i in $(seq 1 40); do echo "line $i"; echo "e$i" >&2; sleep 0.01; done; exit 9`, opts)
	ctx, cancel := context.WithCancel(testkit.Ctx(t))
	first := &testkit.NotifyBuffer{When: "line 5\n", Do: cancel}
	var firstErr testkit.NotifyBuffer
	if err := j.Follow(ctx, first, &firstErr); !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v; want context.Canceled", err)
	}
	o, e := j.Offsets()
	if o != int64(len(first.String())) || e != int64(len(firstErr.String())) {
		t.Fatalf("Offsets %d, %d but delivered %d, %d", o, e, len(first.String()), len(firstErr.String()))
	}
	c1.Close()

	c2 := testkit.Dial(t, srv, nil)
	j2, err := job.Attach(testkit.Ctx(t), c2, j.ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	if j2.Dir != j.Dir || j2.Pid != j.Pid || j2.Command != j.Command || j2.BootID != j.BootID || !j2.Started.Equal(j.Started) {
		t.Errorf("attached %+v; started %+v", j2, j)
	}
	j2.SetOffsets(o, e)
	var rest, restErr testkit.NotifyBuffer
	err = j2.Follow(testkit.Ctx(t), &rest, &restErr)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 9 {
		t.Fatalf("Follow after attach = %v", err)
	}
	var want, wantErr strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&want, "line %d\n", i)
		fmt.Fprintf(&wantErr, "e%d\n", i)
	}
	if first.String()+rest.String() != want.String() || firstErr.String()+restErr.String() != wantErr.String() {
		t.Errorf("stdout %q + %q\nstderr %q + %q", first.String(), rest.String(), firstErr.String(), restErr.String())
	}
	byPath, err := job.Attach(testkit.Ctx(t), c2, j.Dir, nil)
	if err != nil || byPath.ID != j.ID {
		t.Errorf("Attach by path: %+v, %v", byPath, err)
	}
	byPath.SetOffsets(int64(len(want.String()))-8, 1<<40)
	var tail testkit.NotifyBuffer
	if err := byPath.Follow(testkit.Ctx(t), &tail, nil); !errors.As(err, &ee) || tail.String() != "line 40\n" {
		t.Errorf("Follow from an offset: %v, %q", err, tail.String())
	}
}

// TestJobKill: Kill signals the whole process group (a background child
// too); the wrapper lives on and records the status.
func TestJobKill(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "sleep 300 & echo $!; wait", testkit.JobOptions(t))
	ctx := testkit.Ctx(t)
	out := &testkit.NotifyBuffer{}
	done := make(chan error, 1)
	go func() { done <- j.Follow(ctx, out, nil) }()
	child := waitForPid(t, out)
	if err := j.Kill(ctx, ssh.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := <-done
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 128+int(syscall.SIGTERM) {
		t.Errorf("Follow = %v; want status 143", err)
	}
	waitGone(t, child)
	if err := j.Kill(ctx, "KILL"); !errors.Is(err, job.ErrFinished) {
		t.Errorf("Kill after the end = %v; want ErrFinished", err)
	}
}

// TestJobTimeout: a job past its timeout gets SIGTERM, then SIGKILL if it
// ignores that; Follow says it timed out.
func TestJobTimeout(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	for _, tc := range []struct {
		command string
		timeout time.Duration // long enough for the trap to be set, even on a busy machine
		status  int
	}{
		{"sleep 30", 300 * time.Millisecond, 143},
		{"trap '' TERM; while :; do sleep 0.05; done", 1500 * time.Millisecond, 137},
	} {
		opts := testkit.JobOptions(t)
		opts.Timeout, opts.KillDelay = tc.timeout, 300*time.Millisecond
		j := testkit.StartJob(t, c, tc.command, opts)
		start := time.Now()
		err := j.Follow(testkit.Ctx(t), nil, nil)
		var ee *vmconn.ExitError
		if !errors.Is(err, job.ErrTimeout) || !errors.As(err, &ee) || ee.Status != tc.status {
			t.Errorf("%s: Follow = %v; want ErrTimeout and status %d", tc.command, err, tc.status)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s: took %v", tc.command, took)
		}
		if st, err := j.Status(testkit.Ctx(t)); err != nil || !st.TimedOut || st.Timeout != opts.Timeout || st.State != job.Exited {
			t.Errorf("Status = %+v, %v", st, err)
		}
	}
}

// TestJobsListCleanupPrune: List lists every job with its state; Cleanup
// refuses a running job; Prune removes only ended ones.
func TestJobsListCleanupPrune(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	ctx := testkit.Ctx(t)
	opts := testkit.JobOptions(t)
	done := testkit.StartJob(t, c, "exit 2", opts)
	running := testkit.StartJob(t, c, "sleep 60", opts)
	testkit.WaitJobFile(t, done.Dir, "exit")
	jobs, err := job.List(ctx, c, opts)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("List = %+v, %v", jobs, err)
	}
	states := map[string]*job.Status{}
	for i := range jobs {
		states[jobs[i].ID] = &jobs[i]
	}
	if st := states[done.ID]; st == nil || st.State != job.Exited || st.ExitCode != 2 || st.Ended.IsZero() || st.Command != "exit 2" {
		t.Errorf("ended job: %+v", st)
	}
	if st := states[running.ID]; st == nil || st.State != job.Running || st.ExitCode != -1 || st.Pid != running.Pid {
		t.Errorf("running job: %+v", st)
	}
	if err := running.Cleanup(ctx); !errors.Is(err, job.ErrRunning) {
		t.Errorf("Cleanup(running) = %v; want ErrRunning", err)
	}
	pruned, err := job.Prune(ctx, c, -time.Second, opts)
	if err != nil || len(pruned) != 1 || pruned[0] != done.ID {
		t.Errorf("Prune = %v, %v; want [%s]", pruned, err, done.ID)
	}
	if _, err := os.Stat(done.Dir); !os.IsNotExist(err) {
		t.Errorf("pruned dir still there: %v", err)
	}
	if err := running.Kill(ctx, ssh.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testkit.WaitJobFile(t, running.Dir, "exit")
	if pruned, err := job.Prune(ctx, c, time.Hour, opts); err != nil || len(pruned) != 0 {
		t.Errorf("Prune(1h) = %v, %v; want none", pruned, err)
	}
	if err := running.Cleanup(ctx); err != nil {
		t.Errorf("Cleanup = %v", err)
	}
	if _, err := os.Stat(running.Dir); !os.IsNotExist(err) {
		t.Errorf("cleaned dir still there: %v", err)
	}
	if err := running.Cleanup(ctx); err != nil {
		t.Errorf("second Cleanup = %v", err)
	}
	if _, err := running.Status(ctx); !errors.Is(err, job.ErrNotFound) {
		t.Errorf("Status after Cleanup = %v", err)
	}
}
