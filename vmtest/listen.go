package vmtest

import (
	"errors"
	"net"
	"time"
)

// errClosed is returned by operations on a closed Server.
var errClosed = errors.New("vmtest: server closed")

// StopListening closes the listener: new connections are refused, open
// connections live on. It does nothing if the server is not listening.
func (s *Server) StopListening() {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
}

// StartListening listens again on the server's port, after StopListening.
// It does nothing if the server is already listening, and fails if the
// server is closed or the port was taken meanwhile.
func (s *Server) StartListening() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startListeningLocked()
}

// startListeningLocked is StartListening with s.mu held.
func (s *Server) startListeningLocked() error {
	if s.closing {
		return errClosed
	}
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.serveLocked(ln)
	return nil
}

// serveLocked makes ln the server's listener and starts accepting on it.
// s.mu must be held and the server not closing, so that wg.Add cannot race
// with Close's wg.Wait.
func (s *Server) serveLocked(ln net.Listener) {
	s.ln = ln
	s.wg.Go(func() { s.acceptLoop(ln) })
}

// acceptLoop accepts connections on ln until ln is closed, serving each in
// its own goroutine.
func (s *Server) acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			s.log.Debug("vmtest: accept", "err", err)
			if !s.sleep(10 * time.Millisecond) {
				return
			}
			continue
		}
		sc := s.trackConn(c)
		if sc == nil {
			c.Close()
			continue
		}
		s.wg.Go(func() { s.serveConn(sc) })
	}
}

// trackConn wraps c so that Stall and DropConnections reach it. It returns
// nil if the server is closing.
func (s *Server) trackConn(c net.Conn) *stallConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	sc := newStallConn(c, &s.gate)
	s.conns[sc] = struct{}{}
	return sc
}

// untrackConn forgets sc.
func (s *Server) untrackConn(sc *stallConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, sc)
}

// DropConnections closes every open connection abruptly, as a cut link
// would. Commands running on them are not killed (see the package
// documentation). The server keeps accepting new connections.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*stallConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// sleep waits for d, or until the server closes. It reports whether the
// server is still open.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}
