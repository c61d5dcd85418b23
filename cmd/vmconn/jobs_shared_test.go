package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

// TestJobCmdsRefuseSharedDir: with a base directory that another user
// made writable by all, and a job planted in it whose pid names that
// user's process, "long", "jobs", "attach" and "kill" refuse (exit 2,
// naming the directory), and the process survives.
func TestJobCmdsRefuseSharedDir(t *testing.T) {
	sshdtest.RequireRoot(t, "a second user")
	srv, flags := cliServer(t)
	attacker := sshdtest.NewUser(t)
	sleep := attacker.Command("sleep", "300")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		sleep.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		sleep.Process.Kill()
		<-exited
	})
	base := strings.TrimSpace(attacker.Run(t, `d=$(mktemp -d /tmp/vmconn-shared-XXXXXX) && chmod 777 "$d" && printf '%s\n' "$d"`))
	t.Cleanup(func() { os.RemoveAll(base) })
	id := "20260101-000000-planted"
	attacker.Run(t, `mkdir "$1" && cd "$1" && echo 'sleep 300' >command && printf '%s\n' "$2" >boot_id &&
date +%s >started && echo 0 >timeout && echo pwned >stdout && : >stderr && : >lock &&
printf '%s\n' "$3" >pid && printf '%s\n' "$3" >wrapper`, filepath.Join(base, id), srv.BootID(), strconv.Itoa(sleep.Process.Pid))

	with := func(cmd string, args ...string) []string {
		return append(append(append([]string{cmd, "--dir", base}, flags...), srv.Addr()), args...)
	}
	for _, args := range [][]string{
		longArgs(flags, base, srv.Addr(), "echo started"),
		with("jobs"),
		with("attach", id),
		with("attach", filepath.Join(base, id)),
		with("kill", id, "--signal", "KILL"),
	} {
		stdout, stderr, code := cliRun(t, args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, base) ||
			!strings.Contains(stderr, ": owned by uid "+strconv.Itoa(attacker.UID)+", not by you") {
			t.Errorf("%s: %d %q %q; want exit %d, naming %s", args[0], code, stdout, stderr, exitUsage, base)
		}
	}
	select {
	case <-exited:
		t.Fatal("the attacker's process was killed")
	case <-time.After(50 * time.Millisecond):
	}
}

// TestJobCmdsDirLeadingDash: a --dir that begins with "-" is a directory
// (relative to the login directory), not an option of a remote tool.
func TestJobCmdsDirLeadingDash(t *testing.T) {
	srv, flags := cliServer(t) // the login directory is the server's own home
	dir := fmt.Sprintf("-vmconn-test-%d", time.Now().UnixNano())
	stdout, stderr, code := cliRun(t, append(append([]string{"long", "--dir", dir}, flags...), srv.Addr(), "--", "echo dash")...)
	if code != 0 || stdout != "dash\n" {
		t.Fatalf("long --dir %s: %d %q %q", dir, code, stdout, stderr)
	}
	id := jobIDIn(t, stderr)
	stdout, stderr, code = cliRun(t, append(append([]string{"jobs", "--dir=" + dir}, flags...), srv.Addr())...)
	if code != 0 || !strings.Contains(stdout, id+"  exited 0") {
		t.Errorf("jobs --dir=%s: %d %q %q", dir, code, stdout, stderr)
	}
}
