package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cliRunCtx is cliRunWith under a context the test controls (cancelling
// it is what Ctrl-C does to main's context).
func cliRunCtx(t *testing.T, ctx context.Context, out *lockedBuffer, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if out == nil {
		out = &lockedBuffer{}
	}
	var errOut lockedBuffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(ctx)
	code = exitCodeTo(&errOut, err)
	return out.String(), errOut.String(), code
}

// jobsDir returns a directory for the test's jobs; at cleanup, whatever
// is left of them on this machine (vmtest runs them locally) is killed.
func jobsDir(t *testing.T) string {
	dir := t.TempDir()
	t.Cleanup(func() {
		pids, _ := filepath.Glob(filepath.Join(dir, "*", "pid"))
		for _, p := range pids {
			var pid int
			b, _ := os.ReadFile(p)
			if fmt.Sscan(string(b), &pid); pid > 1 {
				killGroup(pid)
				waitJobGone(t, pid, filepath.Join(filepath.Dir(p), "exit"))
			}
		}
	})
	return dir
}

// waitJobGone waits (bounded) until the job's wrapper wrote its exit file
// or no longer runs (a vmtest reboot kills it before it can write one).
func waitJobGone(t *testing.T, pid int, exitFile string) {
	for range 500 {
		if _, err := os.Stat(exitFile); err == nil {
			return
		}
		if processGone(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("job %d still running and %s did not appear", pid, exitFile)
}

// waitFile waits (bounded) until name exists.
func waitFile(t *testing.T, name string) {
	for range 500 {
		if _, err := os.Stat(name); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%s did not appear", name)
}

var jobIDLine = regexp.MustCompile(`job: (\S+)\n`)

// jobIDIn returns the ID of the "job: ID" line in stderr.
func jobIDIn(t *testing.T, stderr string) string {
	t.Helper()
	m := jobIDLine.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no job line in %q", stderr)
	}
	return m[1]
}

// longArgs builds "long --dir dir FLAGS HOST -- command".
func longArgs(flags []string, dir, host, command string, extra ...string) []string {
	args := append([]string{"long", "--dir", dir}, extra...)
	return append(append(args, flags...), host, "--", command)
}

// TestLongCmd: "long" prints the job's ID, streams stdout and stderr
// apart, and exits with the job's status.
func TestLongCmd(t *testing.T) {
	srv, flags := cliServer(t)
	dir := jobsDir(t)
	stdout, stderr, code := cliRun(t, longArgs(flags, dir, srv.Addr(), "echo out; echo err >&2; printf last; exit 3")...)
	id := jobIDIn(t, stderr)
	if code != 3 || stdout != "out\nlast" || !strings.HasSuffix(stderr, "err\n") {
		t.Errorf("long: %d %q %q", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, id, "exit")); err != nil {
		t.Errorf("job directory: %v", err)
	}
	stdout, stderr, code = cliRun(t, longArgs(flags, dir, srv.Addr(), "sleep 0.2; echo hi", "--detach")...)
	if code != 0 || !regexp.MustCompile(`^\S+\n$`).MatchString(stdout) || stderr != "" {
		t.Errorf("long --detach: %d %q %q", code, stdout, stderr)
	}
	stdout, _, code = cliRun(t, "attach", "--dir", dir, flags[0], flags[1], flags[2], flags[3], srv.Addr(), strings.TrimSpace(stdout))
	if code != 0 || stdout != "hi\n" {
		t.Errorf("attach after --detach: %d %q", code, stdout)
	}
	_, stderr, code = cliRun(t, longArgs(flags, dir, srv.Addr(), "sleep 30", "--timeout", "200ms", "--kill-delay", "100ms")...)
	if code != 143 || !strings.Contains(stderr, "timed out") {
		t.Errorf("long --timeout: %d %q", code, stderr)
	}
}

// TestLongSurvivesDrop: the link drops twice under "long"; the output is
// still exact and the status arrives.
func TestLongSurvivesDrop(t *testing.T) {
	srv, flags := cliServer(t)
	out := &lockedBuffer{when: "line 5\n", do: func() {
		srv.DropConnections()
		time.Sleep(100 * time.Millisecond)
		srv.DropConnections()
	}}
	stdout, stderr, code := cliRunWith(t, out, longArgs(flags, jobsDir(t), srv.Addr(), "for i in $(seq 1 30); do echo line $i; sleep 0.01; done")...)
	var want strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if code != 0 || stdout != want.String() || !strings.Contains(stderr, "vmconn: reconnected") {
		t.Errorf("long across drops: %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
}

// TestLongReboot: a reboot under "long" exits 254 and says the job was
// lost.
func TestLongReboot(t *testing.T) {
	srv, flags := cliServer(t)
	out := &lockedBuffer{when: "running", do: srv.Reboot}
	stdout, stderr, code := cliRunWith(t, out, longArgs(flags, jobsDir(t), srv.Addr(), "echo running; sleep 60")...)
	if code != 254 || stdout != "running\n" || !strings.Contains(stderr, "lost: the machine rebooted") {
		t.Errorf("long across a reboot: %d %q %q", code, stdout, stderr)
	}
}

// TestLongInterrupt: Ctrl-C detaches and says how to re-attach; the
// suggested attach resumes exactly; --kill-on-interrupt kills instead.
func TestLongInterrupt(t *testing.T) {
	srv, flags := cliServer(t)
	dir := jobsDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ictx, interrupt := context.WithCancel(ctx)
	out := &lockedBuffer{when: "line 3\n", do: interrupt}
	first, stderr, code := cliRunCtx(t, ictx, out, longArgs(flags, dir, srv.Addr(), "for i in $(seq 1 20); do echo line $i; sleep 0.02; done")...)
	id := jobIDIn(t, stderr)
	m := regexp.MustCompile(`vmconn attach \[flags\] (\S+) (\S+) --from (\d+) --stderr-from (\d+)`).FindStringSubmatch(stderr)
	if code != exitDetached || m == nil || m[1] != srv.Addr() || m[2] != id || m[3] != fmt.Sprint(len(first)) {
		t.Fatalf("interrupted long: %d %q %q", code, first, stderr)
	}
	rest, _, code := cliRunCtx(t, ctx, nil, append(append([]string{"attach", "--dir", dir}, flags...), srv.Addr(), id, "--from", m[3], "--stderr-from", m[4])...)
	var want strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if code != 0 || first+rest != want.String() {
		t.Errorf("attach: %d, %q + %q", code, first, rest)
	}

	kctx, kill := context.WithCancel(ctx)
	out = &lockedBuffer{when: "started", do: kill}
	_, stderr, code = cliRunCtx(t, kctx, out, longArgs(flags, dir, srv.Addr(), "echo started; sleep 60", "--kill-on-interrupt")...)
	if code != 143 || !strings.Contains(stderr, "killing job") {
		t.Errorf("long --kill-on-interrupt: %d %q", code, stderr)
	}
}

func TestLongBadUsage(t *testing.T) {
	srv, flags := cliServer(t)
	_, _, code := cliRun(t, longArgs(flags, jobsDir(t), srv.Addr(), "true", "--env", "NOT VALID=1")...)
	if code != exitUsage {
		t.Errorf("bad --env: %d", code)
	}
	_, _, code = cliRun(t, append(append([]string{"attach"}, flags...), srv.Addr(), "../x")...)
	if code != exitUsage {
		t.Errorf("bad ID: %d", code)
	}
	_, _, code = cliRun(t, append(append([]string{"attach", "--dir", jobsDir(t)}, flags...), srv.Addr(), "20000101-000000-nojob")...)
	if code != exitNoJob {
		t.Errorf("missing job: %d", code)
	}
}
