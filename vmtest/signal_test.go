package vmtest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestExitSignal(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	for _, sig := range []string{"KILL", "TERM", "USR1"} {
		_, _, err := run(t, c, "kill -"+sig+" $$", "")
		ee := exitError(t, err)
		if ee.Signal() != sig {
			t.Errorf("kill -%s: signal %q (status %d)", sig, ee.Signal(), ee.ExitStatus())
		}
	}
}

func TestSignalRequestDelivered(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	st := startCmd(t, c, "echo $$; sleep 100")
	pid := st.pid(t)
	if err := st.sess.Signal(ssh.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if ee := exitError(t, st.waitResult(t)); ee.Signal() != "TERM" {
		t.Errorf("signal %q, want TERM", ee.Signal())
	}
	waitGone(t, pid)
}

func TestSignalRequestIgnored(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	s.SetSignalsIgnored(true)
	c := dial(t, s)
	st := startCmd(t, c, "echo $$; sleep 100")
	pid := st.pid(t)
	if err := st.sess.Signal(ssh.SIGKILL); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- st.sess.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("command ended despite ignored signals: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if !processAlive(pid) {
		t.Fatal("process died")
	}
	// The client's other way out: kill the process group.
	mustRun(t, c, fmt.Sprintf("kill -s KILL -- -%d", pid))
	if ee := exitError(t, <-exited); ee.Signal() != "KILL" {
		t.Errorf("signal %q, want KILL", ee.Signal())
	}
}

func TestProcessGroupKillFromOtherSession(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	st := startCmd(t, c, "echo $$; sleep 100 & echo $!; wait")
	pid, child := st.pid(t), st.pid(t)
	for _, p := range []int{pid, child} {
		f, ok := procStat(p)
		if !ok || f[2] != strconv.Itoa(pid) {
			t.Fatalf("process %d: pgid %v, want %d", p, f, pid)
		}
	}
	mustRun(t, c, fmt.Sprintf("kill -s KILL -- -%d", pid))
	if ee := exitError(t, st.waitResult(t)); ee.Signal() != "KILL" {
		t.Errorf("signal %q, want KILL", ee.Signal())
	}
	waitGone(t, child)
}
