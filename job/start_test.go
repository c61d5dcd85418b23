package job_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

// TestJobStartFollow: stdout and stderr arrive apart, exactly (a last
// line without newline included), with the exit status; the job
// directory is private and records the job.
func TestJobStartFollow(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	c := testkit.Dial(t, srv, nil)
	opts := testkit.JobOptions(t)
	j := testkit.StartJob(t, c, "echo out; echo err >&2; printf 'no newline'; exit 3", opts)
	var out, errOut testkit.NotifyBuffer
	err := j.Follow(testkit.Ctx(t), &out, &errOut)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 3 || j.ExitCode() != 3 {
		t.Fatalf("Follow = %v (exit code %d); want status 3", err, j.ExitCode())
	}
	if out.String() != "out\nno newline" || errOut.String() != "err\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}
	if o, e := j.Offsets(); o != 14 || e != 4 {
		t.Errorf("Offsets = %d, %d; want 14, 4", o, e)
	}
	if filepath.Dir(j.Dir) != opts.Dir || j.ID != filepath.Base(j.Dir) || j.BootID != srv.BootID() || j.Pid <= 1 {
		t.Errorf("job %+v", j)
	}
	if st, err := os.Stat(j.Dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("job dir mode %v, %v; want 0700", st.Mode(), err)
	}
	for name, want := range map[string]string{"command": j.Command, "boot_id": srv.BootID() + "\n", "stdout": "out\nno newline", "stderr": "err\n"} {
		if b, _ := os.ReadFile(filepath.Join(j.Dir, name)); string(b) != want {
			t.Errorf("%s holds %q; want %q", name, b, want)
		}
	}
	if err := j.Follow(testkit.Ctx(t), &out, &errOut); !errors.As(err, &ee) || out.String() != "out\nno newline" {
		t.Errorf("second Follow: %v, %q; want the same status and no output", err, out.String())
	}
}

// TestJobDefaultDir: with no Options, jobs go under
// $XDG_CACHE_HOME/vmconn/jobs, created private (vmtest's XDG_CACHE_HOME
// is in its own home).
func TestJobDefaultDir(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	c := testkit.Dial(t, srv, nil)
	j := testkit.StartJob(t, c, "echo hi", nil)
	if want := filepath.Join(srv.Home(), ".cache", "vmconn", "jobs", j.ID); j.Dir != want {
		t.Errorf("Dir = %s; want %s", j.Dir, want)
	}
	if st, err := os.Stat(filepath.Dir(j.Dir)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("base dir: %v, %v", st, err)
	}
	if err := j.Follow(testkit.Ctx(t), nil, nil); err != nil {
		t.Fatal(err)
	}
	if jobs, err := job.List(testkit.Ctx(t), c, nil); err != nil || len(jobs) != 1 || jobs[0].ID != j.ID {
		t.Errorf("List = %+v, %v", jobs, err)
	}

	// A relative Dir is relative to the login directory (vmtest's is its home).
	rel := "relative/jobs"
	j = testkit.StartJob(t, c, "true", &job.Options{Dir: rel})
	if want := filepath.Join(srv.Home(), rel, j.ID); j.Dir != want {
		t.Errorf("relative Dir %s: job in %s; want %s", rel, j.Dir, want)
	}
	if a, err := job.Attach(testkit.Ctx(t), c, j.ID, &job.Options{Dir: rel}); err != nil || a.Dir != j.Dir {
		t.Errorf("Attach with a relative Dir: %+v, %v", a, err)
	}
}

// TestJobExitsBeforeFollow: a job that is over before anyone follows it
// still yields all its output and its status.
func TestJobExitsBeforeFollow(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "printf 'quick'; printf 'e' >&2; exit 0", testkit.JobOptions(t))
	testkit.WaitJobFile(t, j.Dir, "exit")
	var out, errOut testkit.NotifyBuffer
	if err := j.Follow(testkit.Ctx(t), &out, &errOut); err != nil || out.String() != "quick" || errOut.String() != "e" {
		t.Errorf("Follow = %v, %q, %q", err, out.String(), errOut.String())
	}
}

// TestJobCommandsExactlyAsGiven: quotes, $, backslashes, newlines and
// non-ASCII text, in the command and in Env, reach the shell untouched;
// the job runs in /bin/sh in the login directory.
func TestJobCommandsExactlyAsGiven(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	words := []string{`it's`, `"dq"`, `$HOME`, "`id`", `back\slash`, "new\nline", "ünï ✓", "\xff\xfe", "*", "-n", "", "trailing\n\n"}
	opts := testkit.JobOptions(t)
	opts.Env = []string{"V=" + strings.Join(words, "|")}
	command := vmconn.ShellJoin(append([]string{"printf", "%s|"}, words...)...) + `; printf '[%s]' "$V" >&2`
	j := testkit.StartJob(t, c, command, opts)
	var out, errOut testkit.NotifyBuffer
	if err := j.Follow(testkit.Ctx(t), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(words, "|") + "|"; out.String() != want {
		t.Errorf("stdout %q\nwant %q", out.String(), want)
	}
	if want := "[" + strings.Join(words, "|") + "]"; errOut.String() != want {
		t.Errorf("stderr %q\nwant %q", errOut.String(), want)
	}
	if b, _ := os.ReadFile(filepath.Join(j.Dir, "command")); string(b) != command {
		t.Errorf("recorded command %q", b)
	}
	multi := testkit.StartJob(t, c, "printf 'l1\\n'\ncd /\nprintf '%s\\n' \"$PWD\"", testkit.JobOptions(t))
	out = testkit.NotifyBuffer{}
	if err := multi.Follow(testkit.Ctx(t), &out, nil); err != nil || out.String() != "l1\n/\n" {
		t.Errorf("multi-line command: %q, %v", out.String(), err)
	}
}

func TestJobBadInput(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	ctx := testkit.Ctx(t)
	for _, command := range []string{"", " \n", "echo \x00"} {
		if _, err := job.Start(ctx, c, command, testkit.JobOptions(t)); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("Start(%q) = %v; want ErrConfig", command, err)
		}
	}
	if _, err := job.Start(ctx, c, "true", &job.Options{Env: []string{"BAD NAME=1"}}); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("bad Env: %v", err)
	}
	if _, err := job.Start(ctx, c, "echo "+strings.Repeat("'", 40<<10), nil); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("too long: %v", err)
	}
	for _, id := range []string{"", ".", "..", "a/b", "x y", "a\x00"} {
		if _, err := job.Attach(ctx, c, id, nil); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("Attach(%q) = %v; want ErrConfig", id, err)
		}
	}
	if _, err := job.Attach(ctx, c, "20000101-000000-nosuch", testkit.JobOptions(t)); !errors.Is(err, job.ErrNotFound) {
		t.Errorf("Attach(missing) = %v; want ErrNotFound", err)
	}
	j := testkit.StartJob(t, c, "true", testkit.JobOptions(t))
	if err := j.Kill(ctx, "TERM; reboot"); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("Kill with a bad signal: %v", err)
	}
}

// TestJobEnvironment: the job runs in the login directory with the
// session's umask (the job directory's own umask is not the job's), and
// keeps default signal handling: HUP and INT end it.
func TestJobEnvironment(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	want, err := c.Output(testkit.Ctx(t), "umask; pwd")
	if err != nil {
		t.Fatal(err)
	}
	j := testkit.StartJob(t, c, "umask; pwd", testkit.JobOptions(t))
	var out testkit.NotifyBuffer
	if err := j.Follow(testkit.Ctx(t), &out, nil); err != nil || out.String() != string(want) {
		t.Errorf("job's umask and directory %q, %v; want %q", out.String(), err, want)
	}
	for _, sig := range []ssh.Signal{ssh.SIGHUP, ssh.SIGINT} {
		j := testkit.StartJob(t, c, "echo up; sleep 60", testkit.JobOptions(t))
		out := &testkit.NotifyBuffer{When: "up\n", Do: func() {
			go func() {
				if err := j.Kill(testkit.Ctx(t), sig); err != nil {
					t.Errorf("Kill(%s): %v", sig, err)
				}
			}()
		}}
		err := j.Follow(testkit.Ctx(t), out, nil)
		var ee *vmconn.ExitError
		if n := map[ssh.Signal]int{ssh.SIGHUP: 1, ssh.SIGINT: 2}[sig]; !errors.As(err, &ee) || ee.Status != 128+n {
			t.Errorf("Kill(%s): Follow = %v; want status %d", sig, err, 128+n)
		}
	}
}

// TestJobWithoutGNUTools: with busybox's tail (no --pid, no inotify) and
// setsid (no -f) first on PATH, jobs still start, stream and end.
func TestJobWithoutGNUTools(t *testing.T) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	bin := t.TempDir()
	for _, tool := range []string{"tail", "setsid"} {
		if err := os.Symlink(busybox, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "echo a; echo b >&2; sleep 0.3; printf c; exit 4", testkit.JobOptions(t))
	var out, errOut testkit.NotifyBuffer
	err = j.Follow(testkit.Ctx(t), &out, &errOut)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 4 || out.String() != "a\nc" || errOut.String() != "b\n" {
		t.Errorf("Follow = %v, %q, %q", err, out.String(), errOut.String())
	}
}

// TestJobSystemdScope: with SystemdScope, the job is started through
// systemd-run --user --scope (a stand-in here that records its arguments
// and runs the rest).
func TestJobSystemdScope(t *testing.T) {
	bin := t.TempDir()
	log := filepath.Join(bin, "args")
	fake := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + vmconn.ShellQuote(log) + "\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "systemd-run"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	c := testkit.Dial(t, testkit.Server(t), nil)
	opts := testkit.JobOptions(t)
	opts.SystemdScope = true
	j := testkit.StartJob(t, c, "echo scoped", opts)
	var out testkit.NotifyBuffer
	if err := j.Follow(testkit.Ctx(t), &out, nil); err != nil || out.String() != "scoped\n" {
		t.Errorf("Follow = %v, %q", err, out.String())
	}
	args, _ := os.ReadFile(log)
	if !strings.HasPrefix(string(args), "--user\n--scope\n") {
		t.Errorf("systemd-run got %q", args)
	}
}
