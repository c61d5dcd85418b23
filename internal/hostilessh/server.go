package hostilessh

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Options say how the server misbehaves. The zero value behaves.
type Options struct {
	// SilentOpens leaves every session channel open unanswered.
	SilentOpens bool

	// RefuseOpens refuses the first RefuseOpens session channel opens
	// with RefuseReason (zero means ssh.ConnectionFailed, which is what
	// OpenSSH answers at its MaxSessions limit); a negative value refuses
	// every one.
	RefuseOpens  int
	RefuseReason ssh.RejectionReason

	// RefuseAfter, when positive, refuses every session channel open
	// after the first RefuseAfter (counted over all connections) with
	// RefuseReason.
	RefuseAfter int

	// KeepRunning makes an accepted exec run for ever: no exit status,
	// the channel stays open, signals change nothing (a root session on
	// OpenSSH, whose sshd ignores signal requests).
	KeepRunning bool

	// Delay answers every session request only after this long.
	Delay time.Duration

	// Stdout is written by an accepted exec before its exit status; once
	// written, "stdout" arrives on Arrived.
	Stdout string

	// Silent names the session requests ("exec", "pty-req", "env",
	// "subsystem", "signal", ...) that are never answered.
	Silent []string

	// Wedge makes a Silent request also wedge its connection: the server
	// stops reading it, as a hung server would, so that not even a
	// channel close or a keepalive is answered any more.
	Wedge bool

	// Refuse names the session requests answered with a failure.
	Refuse []string
}

// Server is a running hostile server. Its methods are safe for
// concurrent use.
type Server struct {
	// Addr is "127.0.0.1:PORT".
	Addr string
	// KnownHostsFile lists the server's host key for Addr.
	KnownHostsFile string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey

	opts   Options
	config *ssh.ServerConfig
	ln     net.Listener
	wg     sync.WaitGroup
	opens  atomic.Int64
	seen   sync.Map // request type -> *atomic.Int64
	notify chan string

	mu     sync.Mutex
	conns  map[ssh.Conn]struct{}
	closed bool
}

// Start starts a server closed at the end of the test.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := start(o, t.TempDir())
	if err != nil {
		t.Fatalf("hostilessh: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func start(o Options, dir string) (*Server, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{NoClientAuth: true,
		PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) { return nil, nil }}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), HostKey: signer.PublicKey(), opts: o, config: cfg, ln: ln,
		conns: map[ssh.Conn]struct{}{}, notify: make(chan string, 64)}
	s.KnownHostsFile = filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, s.HostKey) + "\n"
	if err := os.WriteFile(s.KnownHostsFile, []byte(line), 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Close stops the server, closes every connection and waits for every
// goroutine it started. It is idempotent.
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

// CloseConnections closes every client connection, leaving the listener.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Seen returns how many session requests of that type arrived (type
// "open" counts the session channel opens).
func (s *Server) Seen(reqType string) int {
	if reqType == "open" {
		return int(s.opens.Load())
	}
	v, ok := s.seen.Load(reqType)
	if !ok {
		return 0
	}
	return int(v.(*atomic.Int64).Load())
}

// Arrived receives the type of every session request (and "open" for
// every channel open) as it arrives; a slow reader misses some.
func (s *Server) Arrived() <-chan string { return s.notify }

func (s *Server) count(reqType string) {
	v, _ := s.seen.LoadOrStore(reqType, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	select {
	case s.notify <- reqType:
	default:
	}
}

func (s *Server) String() string { return fmt.Sprintf("hostilessh %s", s.Addr) }
