package vmconn_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// eventLog collects a client's events.
type eventLog struct {
	mu     sync.Mutex
	events []vmconn.Event
}

func (l *eventLog) add(e vmconn.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) types() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		out = append(out, e.Type.String())
	}
	return out
}

func TestReconnectAfterDrop(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	var log eventLog
	cfg.OnEvent = log.add
	c := dialTest(t, srv, cfg)
	srv.DropConnections()
	<-c.Done()
	out, err := c.Output(testCtx(t), "echo back")
	if err != nil || string(out) != "back\n" {
		t.Fatalf("after drop: %q, %v", out, err)
	}
	got := log.types()
	want := []string{"connected", "lost", "reconnecting", "reconnected"}
	if len(got) != len(want) {
		t.Fatalf("events %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v; want %v", got, want)
		}
	}
}

// TestReconnectWaitsForServer: sshd down for a while (an sshd restart):
// the next command waits, with backoff, until it is back.
func TestReconnectWaitsForServer(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.ReconnectBackoff = 20 * time.Millisecond
	c := dialTest(t, srv, cfg)
	srv.StopListening()
	srv.DropConnections()
	time.AfterFunc(300*time.Millisecond, func() { srv.StartListening() })
	if _, err := c.Output(testCtx(t), "true"); err != nil {
		t.Fatalf("command after sshd restart: %v", err)
	}
}

// redirectDialer dials the first address for the first connection and
// then the second one, counting dials: it stands for a machine whose
// credentials or host key changed while the client was away.
func redirectDialer(first, then string, dials *atomic.Int32) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		addr := then
		if dials.Add(1) == 1 {
			addr = first
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
}

// TestReconnectNeverRetriesAuthOrHostKey: after a reconnection attempt
// fails authentication or the host-key check, it is not tried again.
func TestReconnectNeverRetriesHostKeyChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		other func(t *testing.T) *vmtest.Server
		want  error
	}{
		{"key-server", func(t *testing.T) *vmtest.Server { return newServer(t) }, vmconn.ErrHostKeyChanged},
		{"password-server", func(t *testing.T) *vmtest.Server { return newPasswordServer(t, "x") }, vmconn.ErrHostKeyChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, other := newServer(t), tt.other(t)
			var dials atomic.Int32
			cfg := testConfig(srv)
			cfg.DialContext = redirectDialer(srv.Addr(), other.Addr(), &dials)
			cfg.ReconnectBackoff = time.Millisecond
			c := dialTest(t, srv, cfg)
			srv.DropConnections()
			<-c.Done()
			_, err := c.Output(testCtx(t), "true")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v; want %v", err, tt.want)
			}
			if n := dials.Load(); n != 2 {
				t.Errorf("%d dials; want 2 (no retry)", n)
			}
		})
	}
}

func TestReconnectNeverRetriesAuth(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	other := newServer(t)
	var dials atomic.Int32
	cfg := testConfig(srv)
	cfg.DialContext = redirectDialer(srv.Addr(), other.Addr(), &dials)
	cfg.HostKeyCallback = func(string, net.Addr, ssh.PublicKey) error { return nil } // same "host", new key accepted
	c := dialTest(t, srv, cfg)
	srv.DropConnections()
	<-c.Done()
	// other accepts only its own client key: authentication fails there.
	_, err := c.Output(testCtx(t), "true")
	if !errors.Is(err, vmconn.ErrAuth) {
		t.Fatalf("err = %v; want ErrAuth", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials; want 2 (no retry)", n)
	}
}

// TestReconnectCancelDuringBackoff: cancelling while the client waits
// between attempts returns at once.
func TestReconnectCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.ReconnectBackoff = 10 * time.Second
	c := dialTest(t, srv, cfg)
	srv.StopListening()
	srv.DropConnections()
	<-c.Done()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Output(ctx, "true")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancel during backoff took %v", took)
	}
}

func TestReconnectGivesUp(t *testing.T) {
	// Not parallel: under load a dial still running at the 300ms budget
	// ends as a timeout, not as the refusal the test wants.
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.ReconnectTimeout, cfg.ReconnectBackoff = 300*time.Millisecond, 20*time.Millisecond
	c := dialTest(t, srv, cfg)
	srv.StopListening()
	srv.DropConnections()
	<-c.Done()
	_, err := c.Output(testCtx(t), "true")
	if !errors.Is(err, vmconn.ErrUnreachable) || !vmconn.Retryable(err) {
		t.Errorf("err = %v; want a retryable ErrUnreachable", err)
	}
}

func TestReconnectDisabled(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.ReconnectTimeout = -1
	c := dialTest(t, srv, cfg)
	srv.DropConnections()
	<-c.Done()
	if _, err := c.Output(testCtx(t), "true"); !errors.Is(err, vmconn.ErrConnLost) {
		t.Errorf("err = %v; want ErrConnLost", err)
	}
}

// TestRetriesRerunIdempotentCommand: with Retries, a command cut by a lost
// connection runs again; without, it is not re-run.
func TestRetriesRerunIdempotentCommand(t *testing.T) {
	t.Parallel()
	for _, retries := range []int{0, 1} {
		srv := newServer(t)
		c := dialTest(t, srv, nil)
		w := &notifyWriter{want: "attempt\n", do: func() { go srv.DropConnections() }}
		cmd := c.Command(testCtx(t), "echo attempt; sleep 1")
		cmd.Stdout, cmd.Retries = w, retries
		err := cmd.Run()
		if retries == 0 && (!errors.Is(err, vmconn.ErrConnLost) || w.String() != "attempt\n") {
			t.Errorf("no retries: %v, output %q", err, w.String())
		}
		if retries == 1 && (err != nil || w.String() != "attempt\nattempt\n") {
			t.Errorf("one retry: %v, output %q", err, w.String())
		}
	}
	srv := newServer(t)
	cmd := dialTest(t, srv, nil).Command(testCtx(t), "cat")
	cmd.Retries, cmd.Stdin = 1, eofReader{}
	if err := cmd.Run(); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("Retries with Stdin: %v", err)
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, errors.New("EOF") }
