package faultproxy

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Proxy forwards TCP connections from its address to a target, with
// faults on demand. Create it with New and Close it when done.
type Proxy struct {
	ln     net.Listener
	target string
	gate   *gate
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	refuse   bool
	cutAfter func() int64
	links    map[*link]struct{}
	accepted int
	cuts     int
}

// New starts a proxy on 127.0.0.1 (a free port) that forwards to target,
// a "host:port".
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{ln: ln, target: target, gate: newGate(), links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the proxy's address, "127.0.0.1:PORT".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut ends every open connection now, with a TCP reset on both sides,
// and returns how many it cut.
func (p *Proxy) Cut() int {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	n := 0
	for _, l := range links {
		if l.cut() {
			n++
		}
	}
	return n
}

// CutAfter makes the proxy cut each connection accepted from now on
// after budget() bytes were forwarded, in both directions together; a
// budget of 0 or less never cuts. A nil budget turns this off. budget is
// called from the proxy's goroutines, one call at a time.
func (p *Proxy) CutAfter(budget func() int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutAfter = budget
}

// Refuse, while on, makes the proxy close each new connection as soon
// as it is accepted. Open connections are not touched.
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = on
}

// Stall, while on, holds every byte in both directions on every
// connection, open or new, without closing anything. Stall(false)
// forwards the held bytes.
func (p *Proxy) Stall(on bool) { p.gate.set(on) }

// Stats returns how many connections the proxy accepted and how many it
// cut (by Cut or CutAfter).
func (p *Proxy) Stats() (accepted, cuts int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted, p.cuts
}

// Close stops listening, cuts every connection and waits for the proxy's
// goroutines. It may be called more than once.
func (p *Proxy) Close() {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if !already {
		p.ln.Close()
	}
	p.Cut()
	p.gate.close()
	p.wg.Wait()
}

// accept serves connections until the listener closes.
func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.start(c.(*net.TCPConn))
	}
}

// start dials the target for client and forwards between them.
func (p *Proxy) start(client *net.TCPConn) {
	p.mu.Lock()
	p.accepted++
	refuse, closed, budget := p.refuse, p.closed, int64(0)
	if p.cutAfter != nil && !refuse && !closed {
		budget = p.cutAfter()
	}
	p.mu.Unlock()
	if refuse || closed {
		reset(client)
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		reset(client)
		return
	}
	l := newLink(p, client, server.(*net.TCPConn), budget)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.cut()
		return
	}
	p.links[l] = struct{}{}
	p.wg.Add(3)
	p.mu.Unlock()
	l.run()
}

// forget removes a finished link.
func (p *Proxy) forget(l *link, wasCut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, l)
	if wasCut {
		p.cuts++
	}
}
