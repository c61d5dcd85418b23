//go:build unix

package job_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/vmconn/vmconn/job"
)

// trustSleeper starts "sleep 60" in a session of its own, with env added
// to the environment; cleanup kills it and waits for it.
func trustSleeper(t *testing.T, env ...string) int {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd.Process.Pid
}

// TestJobTrustShells: the checks of job directories and pids give the
// same answers in dash, bash, mksh and busybox sh, with busybox's ls, id,
// cat, tr and grep as the only tools.
func TestJobTrustShells(t *testing.T) {
	t.Parallel()
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	bin, root := t.TempDir(), t.TempDir()
	for _, tool := range []string{"ls", "id", "cat", "tr", "grep"} {
		if err := os.Symlink(busybox, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	for dir, mode := range map[string]os.FileMode{"ok": 0o700, "gw": 0o770, "sticky": 0o777 | os.ModeSticky, "sticky/in": 0o700,
		"open": 0o777, "open/in": 0o700, "open/in/sub": 0o700} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(root, dir), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("ok", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	marked := strconv.Itoa(trustSleeper(t, "VMCONN_JOB_DIR="+root+"/ok"))
	plain := strconv.Itoa(trustSleeper(t))
	cases := []struct{ script, want string }{
		{`jt_check "$1/ok" own && echo "$jt_d"`, root + "/ok"},
		{`jt_check "$1/link" own && echo "$jt_d"`, root + "/ok"},
		{`jt_check "$1/gw" own || echo "$jt_why"`, root + "/gw: writable by group or others (drwxrwx---)"},
		{`jt_check "$1/sticky/in" own && echo fine`, "fine"},
		{`jt_check "$1/sticky" own || echo "$jt_why"`, root + "/sticky: writable by group or others (drwxrwxrwt)"},
		{`jt_check "$1/open/in" own || echo "$jt_why"`, root + "/open: writable by group or others (drwxrwxrwx)"},
		{`HOME=$1/open/in; jt_check "$1/open/in/sub" own && echo "stops at home"`, "stops at home"},
		{`jt_check "$1/none" own || echo "$jt_why"`, root + "/none: cannot enter it"},
		{`jt_ours "$2" "$1/ok" && echo ours`, "ours"},
		{`jt_ours "$2" "$1/gw" || echo "$jt_why"`, "process " + marked + " is not the job's (no VMCONN_JOB_DIR=" + root + "/gw in its environment)"},
		{`jt_ours "$3" "$1/ok" || echo "$jt_why"`, "process " + plain + " is not the job's (no VMCONN_JOB_DIR=" + root + "/ok in its environment)"},
		{`jt_ours 1 "$1/ok" || echo "$jt_why"`, "holds 1, not a job's process"},
		{`jt_ours 01 "$1/ok" || echo "$jt_why"`, `holds "01", not a process id`},
		{`jt_ours "" "$1/ok" || echo "$jt_why"`, `holds "", not a process id`},
		{`jt_ours "-1" "$1/ok" || echo "$jt_why"`, `holds "-1", not a process id`},
		{`jt_ours 999999999 "$1/ok" || echo "$jt_why"`, "process 999999999 does not run"},
	}
	for _, shell := range [][]string{{"dash"}, {"bash"}, {"mksh"}, {busybox, "sh"}} {
		if _, err := exec.LookPath(shell[0]); err != nil {
			t.Logf("%s not installed", shell[0])
			continue
		}
		for _, tc := range cases {
			args := append(shell[1:], "-c", job.TrustFuncs+tc.script, "sh", root, marked, plain)
			cmd := exec.Command(shell[0], args...)
			cmd.Env = []string{"PATH=" + bin, "HOME=/nonexistent"}
			out, err := cmd.CombinedOutput()
			if got := strings.TrimSpace(string(out)); got != tc.want {
				t.Errorf("%s: %s: %q, %v; want %q", shell[0], tc.script, got, err, tc.want)
			}
		}
	}
}
