package vmconn_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/faultproxy"
	"github.com/vmconn/vmconn/vmtest"
	"go.uber.org/goleak"
)

// closeBound is how long a call waiting on a reconnect may take to return
// after Close: generous (a loaded machine, -race), and far below the
// ReconnectTimeout and ConnectTimeout the tests set.
const closeBound = 20 * time.Second

// clientGoroutines returns the stacks of the goroutines that package
// vmconn started (not the test's, not vmtest's) and that wait for
// something. Runnable ones are skipped: a goroutine that was joined (its
// WaitGroup Done called) may not have exited yet.
func clientGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		running := strings.Contains(g, " [runnable") || strings.Contains(g, " [running")
		if !running && strings.Contains(g, "\ncreated by github.com/vmconn/vmconn.") {
			out = append(out, g)
		}
	}
	return out
}

// reconnectFaults are the ways a reconnection can be kept from succeeding,
// so that Close lands in it: each returns the address the reconnection
// dials, or, for "late", a dialer that waits for Close to start.
type reconnectFault struct {
	name string
	dial func(ctx context.Context, closing <-chan struct{}) (net.Conn, error)
}

// reconnectFaults returns the faults and a function that releases them.
func reconnectFaults(t *testing.T, srv *vmtest.Server) ([]reconnectFault, func()) {
	hole, err := vmtest.NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	refused := closedPort(t)
	cut, stalled := newProxy(t, srv.Addr()), newProxy(t, srv.Addr())
	release := func() { hole.Close(); cut.Close(); stalled.Close() }
	cut.CutAfter(func() int64 { return 1 + rand.Int64N(1500) }) // within the key exchange
	stalled.Stall(true)
	to := func(addr string) func(context.Context, <-chan struct{}) (net.Conn, error) {
		return func(ctx context.Context, _ <-chan struct{}) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		}
	}
	late := func(ctx context.Context, closing <-chan struct{}) (net.Conn, error) {
		<-closing // then connect anyway, as a dialer that ignores ctx would
		return net.Dial("tcp", srv.Addr())
	}
	return []reconnectFault{
		{"refused", to(refused)}, {"blackhole", to(hole.Addr())}, {"cut-in-handshake", to(cut.Addr())},
		{"stalled", to(stalled.Addr())}, {"late", late},
	}, release
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestCloseDuringReconnect closes the client at random points of a
// reconnection (before it starts, while it dials, during the handshake,
// between attempts, from an event handler) 100 times: every call waiting
// on the reconnection returns ErrClosed long before the reconnect timeout,
// and once Close has returned no goroutine of the client is left.
func TestCloseDuringReconnect(t *testing.T) {
	// Not parallel: it counts every goroutine of the client in the process.
	srv := newServer(t)
	ignore := goleak.IgnoreCurrent()
	faults, release := reconnectFaults(t, srv)
	for i := range 100 {
		fault := faults[i%len(faults)]
		if err := closeDuringReconnect(srv, fault); err != nil {
			release()
			t.Fatalf("run %d (%s): %v", i, fault.name, err)
		}
	}
	release()
	goleak.VerifyNone(t, ignore)
}

// closeDuringReconnect runs one round: connect, drop, start waiting calls,
// close at a random point.
func closeDuringReconnect(srv *vmtest.Server, fault reconnectFault) error {
	closing := make(chan struct{})
	var closeOnce sync.Once
	var c *vmconn.Client
	closeClient := func() { closeOnce.Do(func() { close(closing); c.Close() }) }
	onAttempt := rand.IntN(6) // 0: from the test; 1..3: on that attempt; 4,5: on "lost"
	cfg := lifecycleConfig(srv, fault, closing, func(e vmconn.Event) {
		if e.Type == vmconn.EventReconnecting && e.Attempt == onAttempt || e.Type == vmconn.EventLost && onAttempt >= 4 {
			closeClient()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if c, err = vmconn.Dial(ctx, srv.Addr(), cfg); err != nil {
		return err
	}
	srv.DropConnections()
	<-c.Done()
	results := startWaitingCalls(ctx, c)
	time.Sleep(time.Duration(rand.IntN(20_000)) * time.Microsecond)
	closeClient()
	if left := clientGoroutines(); len(left) > 0 {
		return fmt.Errorf("after Close, %d goroutines of the client are left:\n%s", len(left), strings.Join(left, "\n\n"))
	}
	return checkWaitingCalls(results, 3)
}

// lifecycleConfig dials srv the first time and through the fault after;
// reconnecting would go on for far longer than the test waits.
func lifecycleConfig(srv *vmtest.Server, fault reconnectFault, closing <-chan struct{}, onEvent func(vmconn.Event)) *vmconn.Config {
	cfg := testConfig(srv)
	cfg.ReconnectTimeout, cfg.ConnectTimeout = 10*time.Minute, 10*time.Minute
	cfg.ReconnectBackoff = time.Duration(1+rand.IntN(5)) * time.Millisecond
	cfg.OnEvent = onEvent
	first := true
	cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if first { // the dials are serialised: no lock needed
			first = false
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
		return fault.dial(ctx, closing)
	}
	return cfg
}

// startWaitingCalls starts calls that must wait for the reconnection.
func startWaitingCalls(ctx context.Context, c *vmconn.Client) <-chan error {
	calls := []func() error{
		func() error { _, err := c.Output(ctx, "true"); return err },
		func() error { _, err := c.Ping(ctx); return err },
		func() error { return c.Reconnect(ctx) },
	}
	results := make(chan error, len(calls))
	for _, call := range calls {
		go func() { results <- call() }()
	}
	return results
}

// checkWaitingCalls waits for n calls, within closeBound.
func checkWaitingCalls(results <-chan error, n int) error {
	timeout := time.After(closeBound)
	for range n {
		select {
		case err := <-results:
			if !errors.Is(err, vmconn.ErrClosed) {
				return fmt.Errorf("a waiting call returned %v; want ErrClosed", err)
			}
		case <-timeout:
			return fmt.Errorf("a waiting call had not returned %v after Close", closeBound)
		}
	}
	return nil
}

// TestCloseJoinsLateReconnect: a reconnection whose dial completes just
// after Close (a dialer that does not heed its context) must not leave the
// new connection's goroutines behind: once Close and the waiting call have
// returned, none of the client's goroutines is left.
func TestCloseJoinsLateReconnect(t *testing.T) {
	// Not parallel: it counts every goroutine of the client in the process.
	srv := newServer(t)
	for range 5 {
		entered, closing := make(chan struct{}), make(chan struct{})
		fault := reconnectFault{"late", func(ctx context.Context, closing <-chan struct{}) (net.Conn, error) {
			close(entered)
			<-closing
			return net.Dial("tcp", srv.Addr())
		}}
		c := dialTest(t, srv, lifecycleConfig(srv, fault, closing, nil))
		srv.DropConnections()
		<-c.Done()
		done := make(chan error, 1)
		go func() { done <- c.Reconnect(context.Background()) }()
		<-entered
		close(closing)
		c.Close()
		if err := checkWaitingCalls(done, 1); err != nil {
			t.Fatal(err)
		}
		if left := clientGoroutines(); len(left) > 0 {
			t.Fatalf("%d goroutines of the client are left:\n%s", len(left), strings.Join(left, "\n\n"))
		}
	}
}
