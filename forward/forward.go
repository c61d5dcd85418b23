package forward

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
)

// Kind is the kind of a forward.
type Kind int

// The kinds of forward, named after ssh's options.
const (
	KindLocal   Kind = iota + 1 // -L: a local listener, connections go to a host seen from the remote side
	KindRemote                  // -R: a remote listener, connections come to a host seen from here
	KindDynamic                 // -D: a local SOCKS5 proxy, connections go out from the remote side
)

// ErrClosed is returned for a use of a closed forward, or of a forward
// whose client was closed. Not retryable.
var ErrClosed = errors.New("forward closed")

// DefaultRetryDelay is the wait between attempts to bring a forward back
// when reconnecting failed.
const DefaultRetryDelay = time.Second

// Options tune a forward. A nil *Options is the zero Options.
type Options struct {
	// OnEvent, if not nil, is called with the forward's state changes,
	// one at a time, from the forward's own goroutine. It must not call
	// Close on the forward.
	OnEvent func(Event)
	// RetryDelay is the wait before trying again to bring the forward
	// back after a failed reconnection; zero means DefaultRetryDelay.
	RetryDelay time.Duration
}

// Forward is one port forward over a vmconn.Client. Its methods are safe
// for concurrent use.
type Forward struct {
	c      *vmconn.Client
	kind   Kind
	bind   string // where it listens: local (-L, -D) or remote (-R)
	target string // where connections go (-L, -R)
	opts   Options

	ctx    context.Context
	cancel context.CancelFunc
	ln     net.Listener // -L, -D
	lost   chan struct{}

	mu     sync.Mutex
	addr   string       // the listener's address
	rln    net.Listener // -R: the current remote listener
	closed bool
	wg     sync.WaitGroup
}

func newForward(c *vmconn.Client, kind Kind, bind, target string, opts *Options) *Forward {
	f := &Forward{c: c, kind: kind, bind: bind, target: target, lost: make(chan struct{}, 1)}
	if opts != nil {
		f.opts = *opts
	}
	if f.opts.RetryDelay <= 0 {
		f.opts.RetryDelay = DefaultRetryDelay
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	return f
}

// Kind returns the forward's kind.
func (f *Forward) Kind() Kind { return f.kind }

// Addr returns the address the forward listens on: a local host:port
// for local and dynamic forwards, the remote one for a remote forward.
// A remote forward asked for port 0 has the port the server chose.
func (f *Forward) Addr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addr
}

// String describes the forward as ssh's options do: "-L 127.0.0.1:8080:db:5432".
func (f *Forward) String() string {
	switch f.kind {
	case KindLocal:
		return fmt.Sprintf("-L %s:%s", f.Addr(), f.target)
	case KindRemote:
		return fmt.Sprintf("-R %s:%s", f.Addr(), f.target)
	}
	return "-D " + f.Addr()
}

// Close stops the forward: its listener closes, connections in flight
// are closed, and it waits for all of them. Close is idempotent.
func (f *Forward) Close() error {
	f.mu.Lock()
	f.closed = true
	rln := f.rln
	f.mu.Unlock()
	f.cancel()
	if f.ln != nil {
		f.ln.Close()
	}
	if rln != nil {
		rln.Close()
	}
	f.wg.Wait()
	return nil
}

// goTracked runs fn in a goroutine Close waits for, unless the forward
// is closed (then it reports false).
func (f *Forward) goTracked(fn func()) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
	return true
}

func (f *Forward) emit(t EventType, err error) {
	if f.opts.OnEvent != nil {
		f.opts.OnEvent(Event{Type: t, Forward: f.String(), Time: time.Now(), Err: err})
	}
}

// connectTimeout bounds the wait of a new connection for a link.
func (f *Forward) connectTimeout() time.Duration {
	if d := f.c.Config().ConnectTimeout; d > 0 {
		return d
	}
	return vmconn.DefaultConnectTimeout
}
