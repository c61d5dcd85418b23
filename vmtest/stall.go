package vmtest

import (
	"net"
	"sync"
)

// Stall, while on, makes every open connection, and every new one, stop
// reading and writing: bytes sent by the client are not delivered, nothing
// is sent to it and nothing is closed, as on a black-holed link. Requests
// such as keepalives get no reply. Stall(false) resumes the connections.
func (s *Server) Stall(on bool) {
	s.gate.set(on)
}

// stallGate is the shared switch behind Stall.
type stallGate struct {
	mu     sync.Mutex
	open   chan struct{} // closed while not stalled
	closed bool          // whether open is closed
}

// newStallGate returns an open (not stalled) gate.
func newStallGate() stallGate {
	open := make(chan struct{})
	close(open)
	return stallGate{open: open, closed: true}
}

// set stalls (on) or resumes (off) the connections.
func (g *stallGate) set(on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case on && g.closed:
		g.open, g.closed = make(chan struct{}), false
	case !on && !g.closed:
		close(g.open)
		g.closed = true
	}
}

// passable returns a channel that is closed when I/O may proceed.
func (g *stallGate) passable() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

// stallConn is a connection whose I/O waits while its gate is stalled.
type stallConn struct {
	net.Conn
	gate   *stallGate
	closed chan struct{}
	once   sync.Once
}

// newStallConn wraps c with gate.
func newStallConn(c net.Conn, gate *stallGate) *stallConn {
	return &stallConn{Conn: c, gate: gate, closed: make(chan struct{})}
}

// Read reads from the connection. Data that arrives while stalled is held
// back until the stall ends.
func (c *stallConn) Read(p []byte) (int, error) {
	if err := c.pass(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if perr := c.pass(); perr != nil {
		return 0, perr
	}
	return n, err
}

// Write writes to the connection once it is not stalled.
func (c *stallConn) Write(p []byte) (int, error) {
	if err := c.pass(); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// Close closes the connection, waking any I/O waiting on a stall.
func (c *stallConn) Close() error {
	err := net.ErrClosed
	c.once.Do(func() {
		close(c.closed)
		err = c.Conn.Close()
	})
	return err
}

// pass waits until the connection is not stalled. It fails if the
// connection is closed meanwhile.
func (c *stallConn) pass() error {
	select {
	case <-c.closed:
		return net.ErrClosed
	default:
	}
	select {
	case <-c.gate.passable():
		return nil
	case <-c.closed:
		return net.ErrClosed
	}
}
