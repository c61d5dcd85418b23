package sshdtest_test

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// These tests pin down how OpenSSH's sshd behaves where a client library
// must adapt to it.

// TestMaxSessionsExceeded: over MaxSessions, sshd rejects the channel
// with reason 2 (connect failed) and message "open failed", and a slot is
// free again only once sshd has handled the client's channel close.
func TestMaxSessionsExceeded(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 2})
	c := s.Dial(t)
	var open []*ssh.Session
	for range 2 {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		open = append(open, sess)
	}
	_, err := c.NewSession()
	var rejected *ssh.OpenChannelError
	if !errors.As(err, &rejected) || rejected.Reason != ssh.ConnectionFailed || rejected.Message != "open failed" {
		t.Fatalf("third session: got %#v, want OpenChannelError{Reason: ConnectionFailed, Message: \"open failed\"}", err)
	}
	open[0].Close()
	var last error
	ok := testenv.Poll(5*time.Second, func() bool {
		sess, err := c.NewSession()
		if err == nil {
			sess.Close()
		}
		last = err
		return err == nil
	})
	if !ok {
		t.Fatalf("no session 5s after closing one: %v", last)
	}
}

// TestSignal: sshd delivers a "signal" request with killpg to the
// command's process group only when privilege separation runs after
// login, that is, not for root: for root it replies failure and the
// command goes on. Names are the RFC 4254 ones without "SIG"; others
// (WINCH...) are refused.
func TestSignal(t *testing.T) {
	t.Run("root", func(t *testing.T) {
		testenv.RequireRoot(t, "logging in as root")
		s := sshdtest.Start(t, sshdtest.Options{})
		if delivered := signalTrap(t, s, "TERM"); delivered {
			t.Error("signal delivered to a root session")
		}
	})
	t.Run("user", func(t *testing.T) {
		s := sshdtest.Start(t, sshdtest.Options{PasswordUser: isRoot()})
		if !signalTrap(t, s, "TERM") {
			t.Error("TERM not delivered to a non-root session")
		}
		if signalTrap(t, s, "WINCH") {
			t.Error("WINCH delivered")
		}
	})
}

// signalTrap runs a shell that traps sig, sends it with want_reply and
// reports whether the shell got it. It checks that sshd's reply says so.
func signalTrap(t *testing.T, s *sshdtest.Server, sig string) (delivered bool) {
	t.Helper()
	c, err := ssh.Dial("tcp", s.Addr, s.ClientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	ch, reqs, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	status := make(chan uint32, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for r := range reqs {
			if r.Type == "exit-status" && len(r.Payload) == 4 {
				status <- uint32(r.Payload[3])
			}
		}
	}()
	// reqs ends when the connection closes, or when sshd closes the
	// channel, which it does only after the command has exited.
	defer func() { c.Close(); <-drained }()
	// Ends by itself after about 5s if the signal does not come.
	script := "trap 'exit 7' " + sig + "; echo ready; i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done"
	if ok, err := ch.SendRequest("exec", true, ssh.Marshal(struct{ Command string }{script})); !ok || err != nil {
		t.Fatalf("exec: %v %v", ok, err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(ch, buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("read: %q %v", buf, err)
	}
	ok, err := ch.SendRequest("signal", true, ssh.Marshal(struct{ Signal string }{sig}))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case st := <-status:
		delivered = st == 7
	case <-time.After(time.Second):
	}
	if ok != delivered {
		t.Errorf("signal %s: reply %v, delivered %v", sig, ok, delivered)
	}
	ch.Close()
	return delivered
}

// TestRCFilesHidden: as root, sessions see an empty ~/.bashrc, so that
// bash (which reads it when sshd runs it) neither prints nor sets anything.
func TestRCFilesHidden(t *testing.T) {
	testenv.RequireRoot(t, "hiding the rc files (a mount namespace)")
	s := sshdtest.Start(t, sshdtest.Options{})
	c := s.Dial(t)
	if got := run(t, c, "wc -c < ~/.bashrc 2>/dev/null || echo 0"); strings.TrimSpace(got) != "0" {
		t.Errorf("~/.bashrc seen by a session has %s bytes, want 0", got)
	}
	if got := run(t, c, "echo $0; echo hi"); !strings.HasSuffix(got, "\nhi\n") || strings.Count(got, "\n") != 2 {
		t.Errorf("output has more than the command's: %q", got)
	}
	if got := run(t, c, "echo ${PYENV_ROOT:-unset}"); got != "unset\n" {
		t.Errorf("PYENV_ROOT=%q: ~/.bashrc ran", got)
	}
}

// TestCloseRunningSession: closing a session does not end its command when
// it has no pty: sshd keeps the channel, and its MaxSessions slot, until the
// command exits. With a pty, the hangup ends the command and frees the slot.
func TestCloseRunningSession(t *testing.T) {
	for _, pty := range []bool{false, true} {
		t.Run(map[bool]string{false: "no pty", true: "pty"}[pty], func(t *testing.T) {
			if pty {
				testenv.RequireRoot(t, "a pty (sshd must chown the tty)")
			}
			s := sshdtest.Start(t, sshdtest.Options{MaxSessions: 1})
			c := s.Dial(t)
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			if pty {
				if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
					t.Fatal(err)
				}
			}
			out, err := sess.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Start("echo started; sleep 2"); err != nil {
				t.Fatal(err)
			}
			// Close once the command runs (and, with a pty, has it as its
			// controlling terminal): closing earlier races with the start.
			if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || !strings.HasPrefix(line, "started") {
				t.Fatalf("read %q: %v", line, err)
			}
			sess.Close()
			start := time.Now()
			var free time.Duration
			for free == 0 && time.Since(start) < 10*time.Second {
				if next, err := c.NewSession(); err == nil {
					next.Close()
					free = time.Since(start)
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("slot free %v after Close", free)
			if pty && (free == 0 || free > time.Second) || !pty && free < time.Second {
				t.Errorf("pty %v: slot free after %v", pty, free)
			}
		})
	}
}
