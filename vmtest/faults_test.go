package vmtest

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// dialRefused reports whether a TCP connect to s is refused.
func dialRefused(s *Server) bool {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err == nil {
		c.Close()
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// dialWithin dials s, retrying for at most d.
func dialWithin(t *testing.T, s *Server, d time.Duration) *ssh.Client {
	t.Helper()
	var c *ssh.Client
	var err error
	ok := testenv.Poll(d, func() bool {
		c, err = ssh.Dial("tcp", s.Addr(), clientConfig(s))
		return err == nil
	})
	if !ok {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantNoExitStatus fails unless err says the command ended without an
// exit status, as when its connection dies.
func wantNoExitStatus(t *testing.T, err error) {
	t.Helper()
	var ee *ssh.ExitError
	if err == nil || errors.As(err, &ee) {
		t.Fatalf("got %v, want an error without exit status", err)
	}
}

func TestDropConnections(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	st := startCmd(t, c, "echo $$; sleep 100")
	pid := st.pid(t)
	s.DropConnections()
	wantNoExitStatus(t, st.waitResult(t))
	if err := c.Wait(); err == nil {
		t.Error("client connection survived")
	}
	// A cut link does not kill the command (it has nothing to write).
	time.Sleep(100 * time.Millisecond)
	if !processAlive(pid) {
		t.Error("command killed by a dropped connection")
	}
	c2 := dial(t, s)
	mustRun(t, c2, "true")
	s.Close()
	waitGone(t, pid)
}

func TestDropConnectionsWriterGetsSIGPIPE(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	st := startCmd(t, dial(t, s), "echo $$; while :; do echo x; sleep 0.02; done")
	pid := st.pid(t)
	s.DropConnections()
	waitGone(t, pid)
}

func TestClientClosingSessionDoesNotKill(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	st := startCmd(t, c, "echo $$; sleep 100")
	pid := st.pid(t)
	st.sess.Close()
	time.Sleep(100 * time.Millisecond)
	if !processAlive(pid) {
		t.Error("closing the session killed the command")
	}
	mustRun(t, c, "true")
	s.Close()
	waitGone(t, pid)
}

func TestStopStartListening(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	addr := s.Addr()
	s.StopListening()
	if !dialRefused(s) {
		t.Fatal("dial not refused after StopListening")
	}
	mustRun(t, c, "true") // existing connections live on
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Errorf("address changed: %s -> %s", addr, s.Addr())
	}
	mustRun(t, dial(t, s), "true")
	if err := s.StartListening(); err != nil {
		t.Errorf("StartListening while listening: %v", err)
	}
}

func TestStall(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	s.Stall(true)
	replied := make(chan error, 1)
	go func() {
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		replied <- err
	}()
	select {
	case err := <-replied:
		t.Fatalf("keepalive answered while stalled: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	s.Stall(false)
	select {
	case err := <-replied:
		if err != nil {
			t.Fatalf("keepalive after stall: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no keepalive reply after the stall ended")
	}
	mustRun(t, c, "true")
}

func TestStallNewConnections(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	s.Stall(true)
	// The TCP connect succeeds (the kernel accepts it), the handshake
	// does not progress.
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(300 * time.Millisecond))
	if c, _, _, err := ssh.NewClientConn(conn, s.Addr(), clientConfig(s)); err == nil {
		c.Close()
		t.Fatal("handshake completed while stalled")
	}
	s.Stall(false)
	mustRun(t, dial(t, s), "true")
}

func TestCloseWhileStalled(t *testing.T) {
	t.Parallel()
	requireSupported(t)
	s := NewServer()
	c := dial(t, s)
	s.Stall(true)
	replied := make(chan error, 1)
	go func() {
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		replied <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.Close() // must not hang
	if err := <-replied; err == nil {
		t.Error("keepalive succeeded on a closed server")
	}
}

func TestCloseKillsProcesses(t *testing.T) {
	t.Parallel()
	requireSupported(t)
	s := NewServer()
	defer s.Close()
	c := dial(t, s)
	st := startCmd(t, c, "echo $$; sleep 100 & echo $!; wait")
	pid, child := st.pid(t), st.pid(t)
	// A group whose leader is gone, with a member left behind.
	st2 := startCmd(t, c, "sleep 100 >/dev/null 2>&1 & echo $!")
	orphan := st2.pid(t)
	if err := st2.waitResult(t); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if processAlive(pid) {
		t.Errorf("command %d survived Close", pid)
	}
	// SIGKILL is asynchronous: the processes left behind by the
	// commands die just after Close.
	waitGone(t, child)
	waitGone(t, orphan)
}

func TestReboot(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{RebootDowntime: 300 * time.Millisecond})
	old := s.BootID()
	c := dial(t, s)
	st := startCmd(t, c, "echo $$; sleep 100")
	pid := st.pid(t)
	s.Reboot()
	if !dialRefused(s) {
		t.Error("dial not refused during the reboot")
	}
	wantNoExitStatus(t, st.waitResult(t))
	if s.BootID() == old || s.Reboots() != 1 {
		t.Errorf("boot id %s -> %s, reboots %d", old, s.BootID(), s.Reboots())
	}
	waitGone(t, pid)
	c2 := dialWithin(t, s, 5*time.Second)
	if out := mustRun(t, c2, bootIDCommand); out != s.BootID()+"\n" {
		t.Errorf("boot id after reboot %q, want %q", out, s.BootID())
	}
	if out := mustRun(t, c2, "echo $VMTEST_BOOT_ID"); out != s.BootID()+"\n" {
		t.Errorf("$VMTEST_BOOT_ID after reboot %q, want %q", out, s.BootID())
	}
}

func TestRebootCommandIntercepted(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{RebootDowntime: 50 * time.Millisecond})
	cmds := []string{"reboot", "sudo reboot", "sudo -n systemctl reboot", "/sbin/shutdown -r now", "sudo poweroff"}
	for i, cmd := range cmds {
		old := s.BootID()
		c := dialWithin(t, s, 5*time.Second)
		_, _, err := run(t, c, cmd, "")
		wantNoExitStatus(t, err)
		if s.BootID() == old || s.Reboots() != i+1 {
			t.Errorf("%q: boot id %s -> %s, reboots %d", cmd, old, s.BootID(), s.Reboots())
		}
	}
	if got := s.Commands(); len(got) != len(cmds) {
		t.Errorf("Commands() = %q", got)
	}
}

func TestPowerWordsRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	for _, cmd := range []string{"echo reboot", "sleep 0 && reboot", "sudo sh -c 'poweroff'"} {
		_, errOut, err := run(t, c, cmd, "")
		if ee := exitError(t, err); ee.ExitStatus() != 126 || errOut == "" {
			t.Errorf("%q: status %d stderr %q, want 126", cmd, ee.ExitStatus(), errOut)
		}
	}
	if s.Reboots() != 0 {
		t.Errorf("reboots %d", s.Reboots())
	}
}

// TestRebootKillsDetached: a process that left its command's process
// group and session (setsid), as a detached job does, dies on Reboot as
// it would on a real reboot, but survives a dropped connection.
func TestRebootKillsDetached(t *testing.T) {
	requireLinux(t, "Reboot finds detached processes through /proc")
	t.Parallel()
	requireSupported(t)
	s := NewServer()
	defer s.Close()
	c := dial(t, s)
	st := startCmd(t, c, "setsid sleep 100 >/dev/null 2>&1 < /dev/null & echo $!")
	pid := st.pid(t)
	if err := st.waitResult(t); err != nil {
		t.Fatal(err)
	}
	s.DropConnections()
	time.Sleep(50 * time.Millisecond)
	if !processAlive(pid) {
		t.Fatalf("detached process %d died with the connection", pid)
	}
	s.Reboot()
	waitGone(t, pid)
}
