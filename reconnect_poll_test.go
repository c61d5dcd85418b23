package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testenv"
)

// gateProxy forwards connections on one loopback port to a target, and
// can take that port down (connects are refused, open connections are
// cut) and up again. It records what each client sent first.
type gateProxy struct {
	target string
	addr   string
	wg     sync.WaitGroup

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
	sent  []*bytes.Buffer // per accepted connection: the client's first bytes
}

// newGateProxy starts a gateProxy to target, closed at cleanup.
func newGateProxy(t *testing.T, target string) *gateProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &gateProxy{target: target, addr: ln.Addr().String()}
	p.serve(ln)
	t.Cleanup(func() { p.down(); p.wg.Wait() })
	return p
}

// down closes the port and cuts every open connection.
func (p *gateProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// up listens on the same port again.
func (p *gateProxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

func (p *gateProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.forward(c)
		}
	})
}

// forward pipes c to the target, keeping c's first 64 bytes.
func (p *gateProxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	first := &bytes.Buffer{}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.sent = append(p.sent, first)
	p.mu.Unlock()
	p.wg.Go(func() {
		io.Copy(io.MultiWriter(s, &headWriter{buf: first, mu: &p.mu}), c)
		s.Close()
	})
	p.wg.Go(func() { io.Copy(c, s); c.Close() })
}

// accepted returns the first bytes each accepted connection sent.
func (p *gateProxy) accepted() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, b := range p.sent {
		out = append(out, b.String())
	}
	return out
}

// headWriter keeps the first 64 bytes written to it.
type headWriter struct {
	buf *bytes.Buffer
	mu  *sync.Mutex
}

func (w *headWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := 64 - w.buf.Len(); n > 0 {
		w.buf.Write(b[:min(n, len(b))])
	}
	return len(b), nil
}

// TestReconnectPollsRefusedConnects: while the server's port refuses
// connects, the reconnection polls it (here the backoff alone would wait
// an hour), and the first connect the port accepts carries the SSH
// handshake and login: no connection is opened and dropped unused, which
// OpenSSH 9.8+ penalises (PerSourcePenalties "noauth").
func TestReconnectPollsRefusedConnects(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	p := newGateProxy(t, srv.Addr())
	cfg := testConfig(srv)
	cfg.ReconnectBackoff = time.Hour
	var refused atomic.Int32
	cfg.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, p.addr)
		if err != nil {
			refused.Add(1)
		}
		return nc, err
	}
	var log eventLog
	cfg.OnEvent = log.add
	c := dialTest(t, srv, cfg)
	p.down()
	<-c.Done()
	done := make(chan error, 1)
	go func() { _, err := c.Output(testCtx(t), "true"); done <- err }()
	testenv.Eventually(t, 10*time.Second, func() bool { return refused.Load() >= 3 }, "fewer than 3 refused connects: the reconnection does not poll")
	p.up(t)
	if err := <-done; err != nil {
		t.Fatalf("Output after the port came back: %v (events %v)", err, log.types())
	}
	got := p.accepted()
	if len(got) != 2 {
		t.Fatalf("%d connections accepted; want 2 (the dial, the reconnect): %q", len(got), got)
	}
	for i, first := range got {
		if len(first) < 8 || first[:8] != "SSH-2.0-" {
			t.Errorf("connection %d sent %q first; want the SSH handshake", i, first)
		}
	}
	if want := []string{"connected", "lost", "reconnecting", "reconnected"}; !slices.Equal(log.types(), want) {
		t.Errorf("events %v; want %v: one attempt polls the refused port", log.types(), want)
	}
}

// TestReconnectTimeoutKeepsRefusal: when a reconnection's time runs out
// during a connect, after the host had refused one, the error is the
// refusal (a retryable ErrUnreachable), not a bare timeout: on a loaded
// machine the budget often ends inside a connect rather than between two.
func TestReconnectTimeoutKeepsRefusal(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.ReconnectTimeout = 300 * time.Millisecond
	var dials atomic.Int32
	cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch dials.Add(1) {
		case 1:
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		case 2:
			return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
		}
		<-ctx.Done() // a connect that hangs until the budget ends
		return nil, ctx.Err()
	}
	c := dialTest(t, srv, cfg)
	srv.DropConnections()
	<-c.Done()
	err := c.Reconnect(testCtx(t))
	if !errors.Is(err, vmconn.ErrUnreachable) || !errors.Is(err, syscall.ECONNREFUSED) || !vmconn.Retryable(err) {
		t.Errorf("Reconnect: %v; want the refusal, a retryable ErrUnreachable", err)
	}
	if n := dials.Load(); n < 3 {
		t.Errorf("%d dials; want the refused one polled again", n)
	}
}
