package faultproxy

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// link is one proxied connection: the client's side and the target's.
type link struct {
	p              *Proxy
	client, server *net.TCPConn
	budget         atomic.Int64 // bytes left before a cut, if limited
	limited        bool
	once           sync.Once
	dead           chan struct{} // closed when the link is cut or closed
	wasCut         atomic.Bool
	pipes          sync.WaitGroup
}

func newLink(p *Proxy, client, server *net.TCPConn, budget int64) *link {
	l := &link{p: p, client: client, server: server, limited: budget > 0, dead: make(chan struct{})}
	l.budget.Store(budget)
	return l
}

// run forwards both ways and, when both directions are done, closes the
// link and tells the proxy. The proxy's WaitGroup counts the three
// goroutines.
func (l *link) run() {
	l.pipes.Add(2)
	go l.pipe(l.client, l.server)
	go l.pipe(l.server, l.client)
	go func() {
		defer l.p.wg.Done()
		l.pipes.Wait()
		l.close()
		l.p.forget(l, l.wasCut.Load())
	}()
}

// pipe copies from src to dst until either ends or the budget runs out.
func (l *link) pipe(src, dst *net.TCPConn) {
	defer l.p.wg.Done()
	defer l.pipes.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !l.forward(dst, buf[:n]) {
			return
		}
		if err == io.EOF {
			dst.CloseWrite() // pass the half-close on
			return
		}
		if err != nil {
			l.close()
			return
		}
	}
}

// forward writes b to dst once the proxy is not stalled, within the
// budget. It reports whether the link goes on.
func (l *link) forward(dst *net.TCPConn, b []byte) bool {
	if !l.p.gate.wait(l.dead) {
		l.cut()
		return false
	}
	if l.limited {
		left := l.budget.Add(-int64(len(b))) + int64(len(b))
		if left < int64(len(b)) {
			if left > 0 {
				dst.Write(b[:left])
			}
			l.cut()
			return false
		}
	}
	if _, err := dst.Write(b); err != nil {
		l.close()
		return false
	}
	return true
}

// cut resets both sides. It reports whether this call ended the link.
func (l *link) cut() bool {
	did := false
	l.once.Do(func() {
		did = true
		l.wasCut.Store(true)
		close(l.dead)
		reset(l.client)
		reset(l.server)
	})
	return did
}

// close closes both sides normally (one side ended or failed).
func (l *link) close() {
	l.once.Do(func() {
		close(l.dead)
		l.client.Close()
		l.server.Close()
	})
}

// reset closes c with a TCP reset instead of a normal close.
func reset(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}
