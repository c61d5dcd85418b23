package job_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

// sleeper is a "sleep 300" that runs as some user, in a session of its
// own, until the test ends.
type sleeper struct {
	Pid    int
	exited chan struct{}
}

// startSleeper starts a sleeper as u; cleanup kills it and waits for it.
func startSleeper(t *testing.T, u *sshdtest.LocalUser) *sleeper {
	t.Helper()
	cmd := u.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &sleeper{Pid: cmd.Process.Pid, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.exited
	})
	return s
}

// alive reports whether the sleeper still runs.
func (s *sleeper) alive() bool {
	select {
	case <-s.exited:
		return false
	case <-time.After(50 * time.Millisecond): // a signal sent just before has landed by now
		return true
	}
}

// TestJobKillChecksPid: Kill signals nothing when the job's pid file does
// not name the job's own process group: 1, a process of the user that is
// not the job's, another user's process, or not a number. The victim is an
// unprivileged user, so that even today's "kill -- -1" reaches only its
// own processes.
func TestJobKillChecksPid(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true})
	victim := sshdtest.LookupUser(t, s.User)
	attacker := sshdtest.NewUser(t)
	c := testkit.DialSSHD(t, s, sshdJobConfig(s, nil))
	j, err := job.Start(testkit.Ctx(t), c, "echo up; sleep 300", nil) // in ~/.cache/vmconn/jobs
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{".cache", ".cache/vmconn", ".cache/vmconn/jobs"} {
		if st, err := os.Stat(filepath.Join(victim.Home, d)); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("default base: ~/%s: %v, %v; want mode 0700", d, st, err)
		}
	}
	own, foreign := startSleeper(t, victim), startSleeper(t, attacker)
	pidFile := filepath.Join(j.Dir, "pid")
	real, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, planted := range []string{"1", strconv.Itoa(own.Pid), strconv.Itoa(foreign.Pid), "0", "-1", "", "abc", "1 2", "01"} {
		if err := os.WriteFile(pidFile, []byte(planted+"\n"), 0o600); err != nil { // keeps the victim as owner
			t.Fatal(err)
		}
		err := j.Kill(testkit.Ctx(t), ssh.SIGTERM)
		if !errors.Is(err, job.ErrUntrusted) {
			t.Errorf("Kill with pid %q = %v; want ErrUntrusted", planted, err)
		}
		if !own.alive() || !foreign.alive() {
			t.Fatalf("Kill with pid %q killed a process that is not the job's", planted)
		}
		if st, err := j.Status(testkit.Ctx(t)); err != nil || st.State != job.Running {
			t.Fatalf("after Kill with pid %q: %+v, %v", planted, st, err)
		}
	}
	if err := os.WriteFile(pidFile, real, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := j.Kill(testkit.Ctx(t), ssh.SIGTERM); err != nil {
		t.Errorf("Kill with the real pid: %v", err)
	}
	var ee *vmconn.ExitError
	if err := j.Follow(testkit.Ctx(t), nil, nil); !errors.As(err, &ee) || ee.Status != 143 {
		t.Errorf("Follow = %v; want status 143", err)
	}
}

// sharedBase makes a directory as the attacker in /tmp with mode, and
// removes it at cleanup.
func sharedBase(t *testing.T, attacker *sshdtest.LocalUser, mode string) string {
	t.Helper()
	dir := strings.TrimSpace(attacker.Run(t, `d=$(mktemp -d /tmp/vmconn-shared-XXXXXX) && chmod "$1" "$d" && printf '%s\n' "$d"`, mode))
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// plantJob makes, as the attacker, a fake job directory in base that
// claims to have ended with status 0 after printing "pwned", or, with
// pid, to run as that process group.
func plantJob(t *testing.T, attacker *sshdtest.LocalUser, base, boot string, pid int) string {
	t.Helper()
	dir := filepath.Join(base, "20260101-000000-planted")
	attacker.Run(t, `d=$1
mkdir -p "$d" && cd "$d" && printf 'echo hi' >command && printf '%s\n' "$2" >boot_id &&
date +%s >started && echo 0 >timeout && echo pwned >stdout && : >stderr && : >lock &&
printf '%s\n' "$3" >pid && printf '%s\n' "$3" >wrapper &&
if [ "$3" = 0 ]; then printf '0 %s\n' "$(date +%s)" >exit; fi`, dir, boot, strconv.Itoa(pid))
	return dir
}

// TestJobSharedDirRefused: as root, a base or job directory that another
// user owns or can write is refused by every job call: Start, List,
// Attach (by ID and by path), Kill and Cleanup; nothing of the
// attacker's is signalled or shown. A private directory under the sticky
// /tmp is fine.
func TestJobSharedDirRefused(t *testing.T) {
	t.Parallel()
	sshdtest.RequireRoot(t, "a second user")
	s := sshdtest.Start(t, sshdtest.Options{})
	attacker := sshdtest.NewUser(t)
	c := testkit.DialSSHD(t, s, sshdJobConfig(s, nil))
	ctx := testkit.Ctx(t)
	boot, err := c.BootID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	foreign := startSleeper(t, attacker)
	untrusted := func(what string, err error, dir string) {
		t.Helper()
		if !errors.Is(err, job.ErrUntrusted) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s = %v; want ErrUntrusted naming %s", what, err, dir)
		}
	}
	open := sharedBase(t, attacker, "777")    // anyone may write
	owned := sharedBase(t, attacker, "755")   // the attacker's own
	sticky := sharedBase(t, attacker, "1777") // sticky, but the attacker owns it
	for base, bad := range map[string]string{open: open, owned: owned, owned + "/mine": owned, sticky + "/mine": sticky} {
		j, err := job.Start(ctx, c, "echo hi", &job.Options{Dir: base})
		if err == nil {
			testkit.ReapJob(t, j.Dir, j.Pid)
		}
		untrusted("Start in "+base, err, bad)
	}
	rootOpen, err := os.MkdirTemp("", "vmconn-open-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(rootOpen) })
	if err := os.Chmod(rootOpen, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err = job.Start(ctx, c, "echo hi", &job.Options{Dir: rootOpen})
	untrusted("Start in a world-writable directory of root's", err, rootOpen)

	ended := plantJob(t, attacker, open, boot, 0)
	_, err = job.List(ctx, c, &job.Options{Dir: open})
	untrusted("List", err, open)
	for _, id := range []string{filepath.Base(ended), ended} {
		j, err := job.Attach(ctx, c, id, &job.Options{Dir: open})
		if err == nil {
			var out testkit.NotifyBuffer
			err = j.Follow(ctx, &out, nil)
			t.Errorf("Attach(%s) of a planted job: Follow = %v, %q", id, err, out.String())
			continue
		}
		untrusted("Attach("+id+")", err, open)
	}

	running := plantJob(t, attacker, owned, boot, foreign.Pid)
	err = job.HandleAt(c, running, boot).Kill(ctx, ssh.SIGKILL)
	untrusted("Kill of a planted job", err, owned)
	if !foreign.alive() {
		t.Fatal("Kill of a planted job killed the attacker's process")
	}
	err = job.HandleAt(c, ended, boot).Cleanup(ctx)
	untrusted("Cleanup of a planted job", err, open)
	if _, err := os.Stat(ended); err != nil {
		t.Errorf("Cleanup removed the attacker's directory: %v", err)
	}

	mine, err := os.MkdirTemp("", "vmconn-jobs-") // 0700, right under the sticky /tmp
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(mine) })
	j := testkit.StartJob(t, c, "echo fine", &job.Options{Dir: mine})
	var out testkit.NotifyBuffer
	if err := j.Follow(ctx, &out, nil); err != nil || out.String() != "fine\n" {
		t.Errorf("job in a private directory under /tmp: %v, %q", err, out.String())
	}
}

// TestJobDirLeadingDash: a relative Dir that begins with "-" is a path,
// not an option of mktemp or mkdir.
func TestJobDirLeadingDash(t *testing.T) {
	t.Parallel()
	srv := testkit.Server(t)
	home := srv.Home() // the login directory; Close removes it
	c := testkit.Dial(t, srv, nil)
	rel := fmt.Sprintf("-vmconn-test-%d", time.Now().UnixNano())
	opts := &job.Options{Dir: rel}
	j := testkit.StartJob(t, c, "echo dash", opts)
	if want := filepath.Join(home, rel, j.ID); j.Dir != want {
		t.Errorf("Dir = %s; want %s", j.Dir, want)
	}
	var out testkit.NotifyBuffer
	if err := j.Follow(testkit.Ctx(t), &out, nil); err != nil || out.String() != "dash\n" {
		t.Errorf("Follow = %v, %q", err, out.String())
	}
	if a, err := job.Attach(testkit.Ctx(t), c, j.ID, opts); err != nil || a.Dir != j.Dir {
		t.Errorf("Attach = %+v, %v", a, err)
	}
	if jobs, err := job.List(testkit.Ctx(t), c, opts); err != nil || len(jobs) != 1 {
		t.Errorf("List = %+v, %v", jobs, err)
	}
	if ids, err := job.Prune(testkit.Ctx(t), c, 0, opts); err != nil || len(ids) != 1 {
		t.Errorf("Prune = %v, %v", ids, err)
	}
}
