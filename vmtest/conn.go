package vmtest

import (
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// sessionFreeWait is how long a channel open at the MaxSessions limit waits
// for a session that is closing to be counted as closed.
const sessionFreeWait = 100 * time.Millisecond

// serveConn runs the SSH protocol on one accepted connection until it
// closes.
func (s *Server) serveConn(sc *stallConn) {
	defer s.untrackConn(sc)
	defer sc.Close()
	conn, chans, reqs, err := ssh.NewServerConn(sc, s.config)
	if err != nil {
		s.log.Debug("vmtest: handshake failed", "remote", sc.RemoteAddr(), "err", err)
		return
	}
	defer conn.Close()
	s.log.Debug("vmtest: connected", "remote", sc.RemoteAddr(), "user", conn.User())
	fwd := newRemoteForwards(s, conn)
	defer fwd.close()
	s.wg.Go(func() { s.globalRequests(reqs, fwd) })
	limit := newSessionLimit(s.opts.MaxSessions)
	for nc := range chans {
		s.openChannel(sc, nc, limit)
	}
	conn.Wait()
	s.log.Debug("vmtest: disconnected", "remote", sc.RemoteAddr())
}

// globalRequests serves tcpip-forward and cancel-tcpip-forward (see
// forwards.go) and answers other global requests, such as
// keepalive@openssh.com, with a failure reply, as sshd does for requests
// it does not implement.
func (s *Server) globalRequests(reqs <-chan *ssh.Request, fwd *remoteForwards) {
	for req := range reqs {
		if !fwd.handle(req) && req.WantReply {
			req.Reply(false, nil)
		}
	}
}

// openChannel accepts a session channel if the limit allows and serves it
// in its own goroutine; it rejects every other channel.
func (s *Server) openChannel(sc *stallConn, nc ssh.NewChannel, limit *sessionLimit) {
	if nc.ChannelType() == "direct-tcpip" {
		s.directTCPIP(nc) // forwards.go
		return
	}
	if nc.ChannelType() != "session" {
		nc.Reject(ssh.UnknownChannelType, "unsupported channel type")
		return
	}
	if !limit.acquire() {
		nc.Reject(ssh.Prohibited, "no more sessions")
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		limit.release()
		return
	}
	s.wg.Go(func() {
		defer limit.release()
		s.serveSession(sc, ch, reqs)
	})
}

// sessionLimit counts the open sessions of one connection against
// Options.MaxSessions.
type sessionLimit struct {
	max   int           // 0: no limit
	freed chan struct{} // signalled on release
	mu    sync.Mutex
	open  int
}

// newSessionLimit returns a limit of max open sessions; 0 or less means
// none.
func newSessionLimit(max int) *sessionLimit {
	return &sessionLimit{max: max, freed: make(chan struct{}, 1)}
}

// acquire counts one more session, if the limit allows. A session whose
// channel was closed just before is released by its own goroutine, so at
// the limit acquire waits briefly for such a release.
func (l *sessionLimit) acquire() bool {
	timer := time.NewTimer(sessionFreeWait)
	defer timer.Stop()
	for {
		l.mu.Lock()
		if l.max <= 0 || l.open < l.max {
			l.open++
			l.mu.Unlock()
			return true
		}
		l.mu.Unlock()
		select {
		case <-l.freed:
		case <-timer.C:
			return false
		}
	}
}

// release counts one session fewer.
func (l *sessionLimit) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
	select {
	case l.freed <- struct{}{}:
	default:
	}
}
