package sshdtest_test

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/user"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

func TestStop(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	c := s.Dial(t)
	s.Stop()
	if _, err := net.DialTimeout("tcp", s.Addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after Stop: got %v, want connection refused", err)
	}
	if got := run(t, c, "echo still"); got != "still\n" {
		t.Errorf("open connection after Stop: got %q", got)
	}
	s.Stop() // again: nothing to do
}

func TestRestart(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	c := s.Dial(t)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("sleep 0.5; echo done"); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr
	s.Restart(t)
	if s.Addr != addr {
		t.Errorf("address changed from %s to %s", addr, s.Addr)
	}
	buf := make([]byte, 16)
	n, _ := out.Read(buf)
	if err := sess.Wait(); err != nil || string(buf[:n]) != "done\n" {
		t.Errorf("session over Restart: output %q, %v", buf[:n], err)
	}
	if got := run(t, c, "echo old"); got != "old\n" {
		t.Errorf("connection opened before Restart: got %q", got)
	}
	if got := run(t, s.Dial(t), "echo new"); got != "new\n" {
		t.Errorf("connection opened after Restart: got %q", got)
	}
}

func TestKillConnections(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	c := s.Dial(t)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Start("sleep 30"); err != nil {
		t.Fatal(err)
	}
	s.KillConnections(t)
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	select {
	case err := <-waited:
		var missing *ssh.ExitMissingError
		if !errors.As(err, &missing) {
			t.Errorf("Wait after KillConnections: got %T %v, want *ssh.ExitMissingError", err, err)
		}
	case <-time.After(5 * time.Second):
		c.Close()
		<-waited
		t.Fatal("session still waiting 5s after KillConnections")
	}
	if err := c.Wait(); err == nil {
		t.Log("connection ended with no error")
	}
	if got := run(t, s.Dial(t), "echo again"); got != "again\n" {
		t.Errorf("new connection: got %q", got)
	}
}

// TestCleanup checks that cleanup leaves no process, file or user behind,
// even a command that left its session behind, and connections that
// survived a Restart.
func TestCleanup(t *testing.T) {
	var pids []int
	var dir, name string
	t.Run("server", func(t *testing.T) {
		s := sshdtest.Start(t, sshdtest.Options{PasswordUser: isRoot()})
		dir, name = s.Dir, s.User
		old := s.Dial(t)
		oldConn := atoi(t, run(t, old, "echo $PPID"))
		s.Restart(t)
		pids = append(pids, oldConn)
		c := s.Dial(t)
		pids = append(pids, readPid(t, s.Dir+"/sshd.pid"), atoi(t, run(t, c, "echo $PPID")))
		// A command that outlives its session (its shell exits at once).
		orphan := atoi(t, run(t, c, "sleep 300 </dev/null >/dev/null 2>&1 & echo $!"))
		if isRoot() {
			pids = append(pids, orphan)
		} else { // as another user it escapes: see KillAll
			t.Cleanup(func() { killPid(orphan) })
		}
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out, err := sess.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.Start("echo $$; exec sleep 301"); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, atoi(t, line))
		for _, pid := range pids {
			if !processAlive(pid) {
				t.Fatalf("process %d not running", pid)
			}
		}
	})
	for _, pid := range pids {
		if processAlive(pid) {
			t.Errorf("process %d survived cleanup", pid)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("directory %s survived cleanup: %v", dir, err)
	}
	if isRoot() {
		if _, err := user.Lookup(name); err == nil {
			t.Errorf("user %s survived cleanup", name)
		}
	}
}

func readPid(t testing.TB, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return atoi(t, strings.TrimSpace(string(b)))
}
