package faultproxy

import "sync"

// gate holds forwarded bytes while the proxy is stalled.
type gate struct {
	mu     sync.Mutex
	open   chan struct{} // closed while not stalled
	done   chan struct{} // closed by close: nothing waits any more
	closed bool
}

func newGate() *gate {
	g := &gate{open: make(chan struct{}), done: make(chan struct{})}
	close(g.open)
	return g
}

// set stalls (on) or resumes (off).
func (g *gate) set(on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
		if on {
			g.open = make(chan struct{})
		}
	default:
		if !on {
			close(g.open)
		}
	}
}

// wait blocks while stalled. It reports false once the gate or abort is
// closed.
func (g *gate) wait(abort <-chan struct{}) bool {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return true
	case <-g.done:
		return false
	case <-abort:
		return false
	}
}

// close releases every waiter for good.
func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		close(g.done)
	}
}
