package vmconn_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/hostilessh"
	"golang.org/x/crypto/ssh"
)

// hostileConfig logs in to a hostilessh server.
func hostileConfig(t *testing.T, s *hostilessh.Server) *vmconn.Config {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return &vmconn.Config{User: "x", Signers: []ssh.Signer{signer}, NoAgent: true,
		KnownHostsFiles: []string{s.KnownHostsFile}}
}

func dialHostile(t *testing.T, o hostilessh.Options) (*vmconn.Client, *hostilessh.Server) {
	t.Helper()
	s := hostilessh.Start(t, o)
	c, err := vmconn.Dial(testCtx(t), s.Addr, hostileConfig(t, s))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, s
}

// runWithin runs cmd and fails the test if Run has not returned within a
// bound far beyond cmd's own context (a hang, not a slow run).
func runWithin(t *testing.T, cmd *vmconn.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Run still blocked 30s after its context ended")
		return nil
	}
}

// TestSilentServerBoundedByContext: a server that never answers a channel
// open or a session request (exec, pty-req, env), wedged or not (a wedged
// one answers not even the channel close), cannot hold a command past its
// context: Run returns an error wrapping the context's.
func TestSilentServerBoundedByContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts hostilessh.Options
		set  func(*vmconn.Cmd)
	}{
		{"channel open", hostilessh.Options{SilentOpens: true}, nil},
		{"exec", hostilessh.Options{Silent: []string{"exec"}}, nil},
		{"exec wedged", hostilessh.Options{Silent: []string{"exec"}, Wedge: true}, nil},
		{"pty-req wedged", hostilessh.Options{Silent: []string{"pty-req"}, Wedge: true}, func(c *vmconn.Cmd) { c.PTY = &vmconn.PTY{} }},
		{"env wedged", hostilessh.Options{Silent: []string{"env"}, Wedge: true}, func(c *vmconn.Cmd) { c.Raw, c.Env = true, []string{"A=b"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := dialHostile(t, tt.opts)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			cmd := c.Command(ctx, "true")
			if tt.set != nil {
				tt.set(cmd)
			}
			err := runWithin(t, cmd)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Run = %v; want an error wrapping context.DeadlineExceeded", err)
			}
		})
	}
}

// TestSilentExecCancel: a plain cancel (no deadline) also ends the wait,
// and the client still closes cleanly (goleak checks the goroutine).
func TestSilentExecCancel(t *testing.T) {
	t.Parallel()
	c, s := dialHostile(t, hostilessh.Options{Silent: []string{"exec"}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for r := range s.Arrived() {
			if r == "exec" {
				cancel()
				return
			}
		}
	}()
	defer cancel()
	if err := runWithin(t, c.Command(ctx, "true")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want context.Canceled", err)
	}
}

// TestRefusedRequests: a server refusing the pty (PermitTTY no) or an
// env variable (AcceptEnv) is a refusal, not a lost connection, and not
// retryable: Run does not ask again, and the connection serves on.
func TestRefusedRequests(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		req string
		set func(*vmconn.Cmd)
	}{
		{"pty-req", func(c *vmconn.Cmd) { c.PTY = &vmconn.PTY{} }},
		{"env", func(c *vmconn.Cmd) { c.Raw, c.Env = true, []string{"A=b"} }},
	} {
		t.Run(tt.req, func(t *testing.T) {
			t.Parallel()
			c, s := dialHostile(t, hostilessh.Options{Refuse: []string{tt.req}})
			cmd := c.Command(testCtx(t), "true")
			tt.set(cmd)
			cmd.Retries = 2
			err := cmd.Run()
			if !errors.Is(err, vmconn.ErrRefused) || errors.Is(err, vmconn.ErrConnLost) || vmconn.Retryable(err) {
				t.Fatalf("Run = %v; want ErrRefused, not ErrConnLost, not retryable", err)
			}
			if n := s.Seen(tt.req); n != 1 {
				t.Errorf("%s requested %d times; want 1 (no retry)", tt.req, n)
			}
			if err := c.Command(testCtx(t), "true").Run(); err != nil {
				t.Errorf("next command on the same connection: %v", err)
			}
		})
	}
}

// TestLateExecAnswer: a server slower than the context: Run returns at
// the context's end, and whatever the server sends afterwards never
// reaches the caller's writers (x/crypto's server, like sshd, drops its
// late answer once it has read our close; the gate covers the others).
func TestLateExecAnswer(t *testing.T) {
	t.Parallel()
	s := hostilessh.Start(t, hostilessh.Options{Delay: 300 * time.Millisecond, Stdout: "late output\n"})
	c, err := vmconn.Dial(testCtx(t), s.Addr, hostileConfig(t, s))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var out syncWriter
	cmd := c.Command(ctx, "true")
	cmd.Stdout = &out
	if err := runWithin(t, cmd); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v; want context.DeadlineExceeded", err)
	}
	waitArrived(t, s, "stdout")
	c.Close() // joins the late request's goroutine
	if got := out.String(); got != "" {
		t.Errorf("caller's Stdout got %q after Run returned", got)
	}
}

// waitArrived waits (bounded) until the server has seen an event.
func waitArrived(t *testing.T, s *hostilessh.Server, what string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case r := <-s.Arrived():
			if r == what {
				return
			}
		case <-deadline:
			t.Fatalf("no %s on the server", what)
		}
	}
}

// syncWriter records writes, safe for concurrent use.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestSilentSubsystem: an sftp subsystem request left unanswered, by a
// server that does not even answer the channel close, cannot hold
// Session.RequestSubsystem (and so transfer.Open) past its context.
func TestSilentSubsystem(t *testing.T) {
	t.Parallel()
	c, _ := dialHostile(t, hostilessh.Options{Silent: []string{"subsystem"}, Wedge: true})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		s, err := c.NewSession(ctx)
		if err == nil {
			err = s.RequestSubsystem(ctx, "sftp")
			s.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("RequestSubsystem = %v; want context.DeadlineExceeded", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RequestSubsystem still blocked 30s after its context ended")
	}
}

// TestWedgedServerKeepalive: with no deadline on the context, a server
// that stops answering under an exec request is noticed by keepalive, and
// Run fails with ErrConnLost instead of waiting for ever.
func TestWedgedServerKeepalive(t *testing.T) {
	t.Parallel()
	s := hostilessh.Start(t, hostilessh.Options{Silent: []string{"exec"}, Wedge: true})
	cfg := hostileConfig(t, s)
	cfg.KeepaliveInterval, cfg.KeepaliveCountMax, cfg.ReconnectTimeout = 100*time.Millisecond, 2, -1
	c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := runWithin(t, c.Command(context.Background(), "true")); !errors.Is(err, vmconn.ErrConnLost) {
		t.Fatalf("Run = %v; want ErrConnLost", err)
	}
}
