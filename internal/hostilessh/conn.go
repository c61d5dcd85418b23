package hostilessh

import (
	"encoding/binary"
	"net"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go s.serve(newWedgeConn(nc))
	}
}

// serve runs one connection; global requests (keepalives) are answered
// as a server that is alive would.
func (s *Server) serve(nc *wedgeConn) {
	defer s.wg.Done()
	defer nc.Close()
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.config)
	if err != nil {
		return
	}
	if !s.track(sc) {
		sc.Close()
	}
	defer s.untrack(sc)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for r := range reqs {
			if r.WantReply {
				_ = r.Reply(r.Type == "keepalive@openssh.com", nil)
			}
		}
	}()
	for nch := range chans {
		s.open(nch, nc)
	}
}

func (s *Server) track(c ssh.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c ssh.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// open answers (or not) one channel open.
func (s *Server) open(nch ssh.NewChannel, nc *wedgeConn) {
	n := s.opens.Add(1)
	select {
	case s.notify <- "open":
	default:
	}
	switch {
	case nch.ChannelType() != "session":
		_ = nch.Reject(ssh.UnknownChannelType, "only sessions")
	case s.opts.SilentOpens:
		// never answered
	case s.opts.RefuseOpens < 0 || n <= int64(s.opts.RefuseOpens),
		s.opts.RefuseAfter > 0 && n > int64(s.opts.RefuseAfter):
		reason := s.opts.RefuseReason
		if reason == 0 {
			reason = ssh.ConnectionFailed
		}
		_ = nch.Reject(reason, "open failed")
	default:
		ch, reqs, err := nch.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go s.session(ch, reqs, nc)
	}
}

// session answers a session's requests as Options say; an exec that is
// accepted exits 0 at once, unless KeepRunning.
func (s *Server) session(ch ssh.Channel, reqs <-chan *ssh.Request, nc *wedgeConn) {
	defer s.wg.Done()
	defer ch.Close()
	for r := range reqs {
		s.count(r.Type)
		switch {
		case slices.Contains(s.opts.Silent, r.Type):
			if s.opts.Wedge {
				nc.wedge()
			}
			continue
		case slices.Contains(s.opts.Refuse, r.Type):
			_ = r.Reply(false, nil)
			continue
		}
		time.Sleep(s.opts.Delay)
		_ = r.Reply(true, nil)
		if (r.Type == "exec" || r.Type == "shell") && !s.opts.KeepRunning {
			if s.opts.Stdout != "" {
				_, _ = ch.Write([]byte(s.opts.Stdout))
				s.count("stdout")
			}
			status := make([]byte, 4)
			binary.BigEndian.PutUint32(status, 0)
			_, _ = ch.SendRequest("exit-status", false, status)
			return
		}
	}
}

// wedgeConn is a server connection that can stop reading: once wedged,
// whatever arrives is dropped and Read blocks until the connection is
// closed, so the server answers nothing more, not even a channel close.
type wedgeConn struct {
	net.Conn
	wedged    chan struct{}
	wedgeOnce sync.Once
	closed    chan struct{}
	closeOnce sync.Once
}

func newWedgeConn(c net.Conn) *wedgeConn {
	return &wedgeConn{Conn: c, wedged: make(chan struct{}), closed: make(chan struct{})}
}

func (c *wedgeConn) wedge() { c.wedgeOnce.Do(func() { close(c.wedged) }) }

func (c *wedgeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	select {
	case <-c.wedged:
		<-c.closed
		return 0, net.ErrClosed
	default:
		return n, err
	}
}

func (c *wedgeConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
