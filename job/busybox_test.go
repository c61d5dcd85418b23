//go:build linux

package job_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

// busyboxPATH points PATH, for the rest of the test (and for vmtest's
// commands, which inherit it), at a directory of busybox applets alone:
// no flock, nohup, pgrep or pkill, a tail without --pid, a setsid without
// -f, as on a machine with Debian's busybox and no util-linux.
func busyboxPATH(t *testing.T) {
	t.Helper()
	dir, err := testenv.BusyboxDir(t.TempDir())
	testenv.Require(t, err == nil, "job: no busybox PATH: "+errString(err))
	for _, tool := range []string{"flock", "pkill", "pgrep", "nohup"} {
		if _, err := os.Stat(filepath.Join(dir, tool)); err == nil {
			t.Skipf("this busybox has %s: not the userland under test", tool)
		}
	}
	t.Setenv("PATH", dir)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestJobBusyboxOnly: with busybox's applets alone on PATH, a job starts
// with MechanismPid, runs, streams, is killed by Kill (whose trust checks
// hold) and reports its exit status.
func TestJobBusyboxOnly(t *testing.T) {
	busyboxPATH(t)
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "echo a; echo b >&2; exec sleep 30", testkit.JobOptions(t))
	st, err := j.Status(testkit.Ctx(t))
	if err != nil || st.State != job.Running || st.Mechanism != job.MechanismPid {
		t.Fatalf("Status = %+v, %v; want running, mechanism pid", st, err)
	}
	if _, err := os.Stat(filepath.Join(j.Dir, "lock")); err == nil {
		t.Error("a lock file with MechanismPid")
	}
	if err := j.Kill(testkit.Ctx(t), ssh.SIGTERM); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	var out, errOut testkit.NotifyBuffer
	err = j.Follow(testkit.Ctx(t), &out, &errOut)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 143 || out.String() != "a\n" || errOut.String() != "b\n" {
		t.Errorf("Follow = %v, %q, %q; want status 143, a, b", err, out.String(), errOut.String())
	}
}

// TestJobBusyboxFollowLive: Follow streams a running job's output and
// ends when it does, with the wrapper watched by its pid.
func TestJobBusyboxFollowLive(t *testing.T) {
	busyboxPATH(t)
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "echo a; sleep 0.5; echo b >&2; sleep 0.5; printf c; exit 4", testkit.JobOptions(t))
	var out, errOut testkit.NotifyBuffer
	err := j.Follow(testkit.Ctx(t), &out, &errOut)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 4 || out.String() != "a\nc" || errOut.String() != "b\n" {
		t.Errorf("Follow = %v, %q, %q", err, out.String(), errOut.String())
	}
}

// TestJobBusyboxWrapperDies: with MechanismPid, a wrapper killed with
// SIGKILL (no exit status recorded) makes the job lost, "vanished"; and
// so does a wrapper.start that no longer matches the process (a pid
// reused by another process), and a wrapper.boot that is not the kernel's
// boot id (a process of a later boot).
func TestJobBusyboxWrapperDies(t *testing.T) {
	busyboxPATH(t)
	c := testkit.Dial(t, testkit.Server(t), nil)
	fake := map[string]string{"pid reused": "wrapper.start", "another boot": "wrapper.boot"}
	for _, how := range []string{"killed", "pid reused", "another boot"} {
		t.Run(how, func(t *testing.T) {
			j := testkit.StartJob(t, c, "exec sleep 30", testkit.JobOptions(t))
			if how == "killed" {
				testkit.KillJobWrapper(t, j.Dir)
			} else {
				file := filepath.Join(j.Dir, fake[how])
				real, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				testkit.WriteFile(t, file, []byte("1\n"), 0o600)
				t.Cleanup(func() { testkit.WriteFile(t, file, real, 0o600) }) // before the reaping
			}
			st, err := j.Status(testkit.Ctx(t))
			if err != nil || st.State != job.Lost || st.LostReason != "vanished" {
				t.Errorf("Status = %+v, %v; want lost, vanished", st, err)
			}
		})
	}
}

// TestJobGNUWithoutFlock: coreutils and util-linux but no flock (GNU
// tail's --pid then waits on the pid mechanism's watcher): the job runs
// with MechanismPid and Follow streams it to its end.
func TestJobGNUWithoutFlock(t *testing.T) {
	dir := t.TempDir()
	for _, bin := range []string{"/usr/bin", "/bin"} {
		ents, _ := os.ReadDir(bin)
		for _, e := range ents {
			name := e.Name()
			if _, err := os.Lstat(filepath.Join(dir, name)); name == "flock" || err == nil {
				continue
			}
			if err := os.Symlink(filepath.Join(bin, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("PATH", dir)
	c := testkit.Dial(t, testkit.Server(t), nil)
	j := testkit.StartJob(t, c, "echo a; sleep 0.3; echo b >&2; sleep 0.3; printf c; exit 5", testkit.JobOptions(t))
	st, err := j.Status(testkit.Ctx(t))
	if err != nil || st.Mechanism != job.MechanismPid {
		t.Fatalf("Status = %+v, %v; want mechanism pid", st, err)
	}
	var out, errOut testkit.NotifyBuffer
	err = j.Follow(testkit.Ctx(t), &out, &errOut)
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 5 || out.String() != "a\nc" || errOut.String() != "b\n" {
		t.Errorf("Follow = %v, %q, %q", err, out.String(), errOut.String())
	}
}
