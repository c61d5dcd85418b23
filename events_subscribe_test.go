package vmconn_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
)

// subscriber records what one Client.OnEvent subscription receives and
// whether two of its calls ever overlapped.
type subscriber struct {
	mu      sync.Mutex
	types   []string
	inCall  atomic.Int32
	overlap atomic.Bool
	got     chan vmconn.EventType // every event, as it arrives
	hold    chan struct{}         // if not nil, the first call waits for it
}

func newSubscriber() *subscriber {
	return &subscriber{got: make(chan vmconn.EventType, 64)}
}

func (s *subscriber) on(e vmconn.Event) {
	if s.inCall.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.inCall.Add(-1)
	s.mu.Lock()
	first := len(s.types) == 0
	s.types = append(s.types, e.Type.String())
	s.mu.Unlock()
	if first && s.hold != nil {
		<-s.hold
	}
	s.got <- e.Type
}

func (s *subscriber) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.types)
}

// waitFor waits (bounded) until s received an event of type typ.
func (s *subscriber) waitFor(t *testing.T, typ vmconn.EventType) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-s.got:
			if got == typ {
				return
			}
		case <-timeout:
			t.Fatalf("no %v event; got %v", typ, s.seen())
		}
	}
}

// TestClientOnEvent: every subscriber sees a dropped connection's lost,
// reconnecting and reconnected once each, in order, never two calls at
// once, without holding up the reconnection (the first subscriber blocks
// in its first call until the command that reconnected is done); once
// stop returns, no more calls.
func TestClientOnEvent(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	a, b := newSubscriber(), newSubscriber()
	a.hold = make(chan struct{})
	stopA := c.OnEvent(a.on)
	stopB := c.OnEvent(b.on)
	defer stopB()
	srv.DropConnections()
	<-c.Done()
	if out, err := c.Output(testCtx(t), "echo back"); err != nil || string(out) != "back\n" {
		t.Fatalf("after drop: %q, %v", out, err)
	}
	close(a.hold) // a's first call waited: the reconnection did not
	a.waitFor(t, vmconn.EventReconnected)
	b.waitFor(t, vmconn.EventReconnected)
	want := []string{"lost", "reconnecting", "reconnected"}
	for name, s := range map[string]*subscriber{"a": a, "b": b} {
		if got := s.seen(); !slices.Equal(got, want) || s.overlap.Load() {
			t.Errorf("subscriber %s: %v (overlapping calls: %v); want %v", name, got, s.overlap.Load(), want)
		}
	}
	stopA()
	stopA() // idempotent
	srv.DropConnections()
	<-c.Done()
	if err := c.Reconnect(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	b.waitFor(t, vmconn.EventReconnected)
	if got := a.seen(); len(got) != len(want) {
		t.Errorf("stopped subscriber still called: %v", got)
	}
}

// TestClientOnEventStopInside: stop may be called from the subscriber
// itself, and Close ends every subscription.
func TestClientOnEventStopInside(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	var stop func()
	calls := make(chan struct{}, 8)
	stop = c.OnEvent(func(vmconn.Event) { stop(); calls <- struct{}{} })
	c.OnEvent(func(vmconn.Event) {}) // never stopped: Close ends it
	srv.DropConnections()
	<-c.Done()
	if err := c.Reconnect(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("no call")
	}
	c.Close()
	if len(calls) != 0 {
		t.Errorf("%d more calls after stop", len(calls))
	}
	if stop := c.OnEvent(func(vmconn.Event) { t.Error("called after Close") }); stop == nil {
		t.Error("OnEvent on a closed client returned a nil stop")
	}
}
