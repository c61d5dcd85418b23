// Package hostilesftp is an SSH server on loopback whose SFTP subsystem
// serves scripted, lying directory listings (names such as "x/..", a
// symbolic link and a directory under one name, repeated names, setuid
// files), for testing that a download never writes outside its
// destination. It serves nothing else: no shell, no exec, no writes.
package hostilesftp

import (
	"net"
	"sync"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Server is a running hostile SFTP server. Its fields are read-only.
type Server struct {
	Addr           string // "127.0.0.1:port"
	Host           string // "127.0.0.1"
	Port           int
	User           string // any user name is accepted; this one is suggested
	ClientKeyFile  string // the private key the server accepts (OpenSSH format)
	KnownHostsFile string // a known_hosts file that trusts the server for Addr

	tree Tree
	ln   net.Listener
	cfg  *ssh.ServerConfig

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Start serves tree on 127.0.0.1 until the test ends.
func Start(t testing.TB, tree Tree) *Server {
	t.Helper()
	dir := t.TempDir()
	k, err := newKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		User: "hostile", ClientKeyFile: k.clientFile, tree: tree, ln: ln, cfg: k.serverConfig(),
		conns: map[net.Conn]struct{}{}}
	if s.KnownHostsFile, err = writeKnownHosts(dir, s.Addr, k.host.PublicKey()); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

// Close stops the server, cuts every connection and waits for all of
// its goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.track(c) {
			c.Close()
			return
		}
		go s.serveConn(c)
	}
}

// track records c and counts its goroutine, unless the server closed.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	_, chans, reqs, err := ssh.NewServerConn(c, s.cfg)
	if err != nil {
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { ssh.DiscardRequests(reqs) })
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Go(func() { s.serveSession(ch, creqs) })
	}
}

// serveSession answers the "sftp" subsystem request and refuses all
// others; the SFTP server runs until the client closes the channel.
func (s *Server) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for req := range reqs {
		ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
		req.Reply(ok, nil)
		if ok {
			wg.Go(func() {
				rs := sftp.NewRequestServer(ch, newHandlers(s.tree))
				_ = rs.Serve() // ends when the client closes the channel
				rs.Close()
				ch.Close()
			})
		}
	}
}
