package hostilessh_test

import (
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/hostilessh"
	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func dial(t *testing.T, s *hostilessh.Server) *ssh.Client {
	t.Helper()
	hk, err := knownhosts.New(s.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{User: "x", HostKeyCallback: hk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestBehaves: with zero Options, a session runs and exits 0.
func TestBehaves(t *testing.T) {
	t.Parallel()
	s := hostilessh.Start(t, hostilessh.Options{})
	sess, err := dial(t, s).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Run("anything"); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if s.Seen("exec") != 1 || s.Seen("open") != 1 {
		t.Errorf("seen %d exec, %d open", s.Seen("exec"), s.Seen("open"))
	}
}

// TestRefusals: refused opens and refused requests are answered "no".
func TestRefusals(t *testing.T) {
	t.Parallel()
	s := hostilessh.Start(t, hostilessh.Options{RefuseOpens: 1, RefuseReason: ssh.ResourceShortage, Refuse: []string{"pty-req"}})
	c := dial(t, s)
	if _, err := c.NewSession(); err == nil {
		t.Fatal("first open accepted")
	} else if oce, ok := err.(*ssh.OpenChannelError); !ok || oce.Reason != ssh.ResourceShortage {
		t.Fatalf("first open: %v", err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	if err := sess.RequestPty("xterm", 24, 80, nil); err == nil {
		t.Error("pty accepted")
	}
}

// TestSilentClose: Close ends a server whose client waits on a silent
// request, and joins every goroutine (goleak).
func TestSilentClose(t *testing.T) {
	t.Parallel()
	s := hostilessh.Start(t, hostilessh.Options{Silent: []string{"exec"}})
	sess, err := dial(t, s).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Start("x") }()
	for r := ""; r != "exec"; {
		select {
		case r = <-s.Arrived():
		case <-time.After(30 * time.Second):
			t.Fatal("no exec request arrived")
		}
	}
	s.Close()
	if err := <-done; err == nil {
		t.Error("Start succeeded on a closed server")
	}
}
