package sshdtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
)

// LocalUser is a throwaway, unprivileged local account for tests that need
// a second user on the machine: another user who shares directories with,
// or attacks, the user a test logs in as. NewUser makes one.
type LocalUser struct {
	Name string
	UID  int
	GID  int
	Home string // created by useradd -m
}

// NewUser adds a throwaway local user "vmconn-t-XXXXXXXX" (useradd -m,
// shell /bin/sh, no login by key) and, at t's cleanup, kills every process
// of that user and removes it with its home (userdel -r). It needs root:
// it skips the test otherwise (and on systems other than unix), or fails
// it when CI=true (see RequireRoot).
func NewUser(t testing.TB) *LocalUser {
	t.Helper()
	testenv.Require(t, errPlatform == nil, fmt.Sprint(errPlatform))
	RequireRoot(t, "NewUser")
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	sweepUsers(ctx)
	name, _, err := createUser(ctx, "")
	if err != nil {
		t.Fatalf("%v", err)
	}
	u := &LocalUser{Name: name}
	t.Cleanup(func() { u.remove(t) })
	pw, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	u.UID, _ = strconv.Atoi(pw.Uid)
	u.GID, _ = strconv.Atoi(pw.Gid)
	u.Home = pw.HomeDir
	return u
}

// LookupUser returns the LocalUser view of an existing account, such as
// Server.User of a server started with Options.PasswordUser, so that a
// test can run commands as that user too. Nothing is removed at cleanup.
func LookupUser(t testing.TB, name string) *LocalUser {
	t.Helper()
	pw, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	u := &LocalUser{Name: name, Home: pw.HomeDir}
	u.UID, _ = strconv.Atoi(pw.Uid)
	u.GID, _ = strconv.Atoi(pw.Gid)
	return u
}

// Command returns a command that runs as the user (its uid, gid and no
// supplementary groups), in its home directory, with HOME, USER, LOGNAME
// and a standard PATH as its only environment. Only root can start it.
func (u *LocalUser) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = u.Home
	cmd.Env = []string{"HOME=" + u.Home, "USER=" + u.Name, "LOGNAME=" + u.Name,
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}
	cmd.SysProcAttr = asUser(u.UID, u.GID)
	return cmd
}

// Run runs a shell script as the user (see Command) and fails the test
// when it fails. It returns the script's standard output.
func (u *LocalUser) Run(t testing.TB, script string, args ...string) string {
	t.Helper()
	cmd := u.Command("/bin/sh", append([]string{"-c", script, "sh"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sshdtest: as %s: %s: %v: %s", u.Name, script, err, stderr.String())
	}
	return string(out)
}

// Pids returns the processes that run with the user's real uid.
func (u *LocalUser) Pids() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && realUID(pid) == u.UID {
			pids = append(pids, pid)
		}
	}
	return pids
}

// realUID returns the real uid of a process, -1 when unknown.
func realUID(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "Uid:" {
			uid, err := strconv.Atoi(f[1])
			if err != nil {
				return -1
			}
			return uid
		}
	}
	return -1
}

// remove kills the user's processes (a few rounds, for processes that
// fork meanwhile) and deletes the user with its home.
func (u *LocalUser) remove(t testing.TB) {
	for range 20 {
		if u.UID <= 0 {
			break // never root's processes
		}
		pids := u.Pids()
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			_ = killPid(pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := deleteUser(ctx, u.Name); err != nil {
		t.Errorf("%v", err)
	}
}
