package vmtest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"slices"
	"sync"

	"golang.org/x/crypto/ssh"
)

// A Server is an SSH server listening on 127.0.0.1 that runs commands in a
// local shell (or answers them with Options.Handler) and serves SFTP.
// Create one with New in a test, or with Start, NewServer or
// NewServerOptions and Close it when done. Its methods are safe for
// concurrent use.
type Server struct {
	opts         Options
	log          *slog.Logger
	config       *ssh.ServerConfig
	hostSigner   ssh.Signer
	clientSigner ssh.Signer
	addr         string // "127.0.0.1:PORT", fixed for the server's life
	port         int
	user         string
	home         string // where commands start; see home.go
	tempDir      string // holds the key, known_hosts and ssh_config files and the home
	keyFile      string
	knownHosts   string
	sshConfig    string // the ssh_config file
	ctx          context.Context
	cancel       context.CancelFunc // called by Close
	gate         stallGate
	procs        procTable
	wg           sync.WaitGroup // every goroutine the server starts
	done         chan struct{}  // closed by Close
	closeOnce    sync.Once

	mu             sync.Mutex
	closing        bool
	ln             net.Listener // nil while not listening
	conns          map[*stallConn]struct{}
	authorized     map[string]bool // marshaled public keys
	bootID         string
	rebootGen      int // counts reboots; a reboot's wake-up only acts if still the latest
	commands       []string
	signalsIgnored bool
	marker         string // value of MarkerEnv in every command's environment
}

// NewServer starts and returns a Server with default Options. It panics if
// the server cannot start, like httptest.NewServer; on Windows, where
// vmtest cannot run, the panic value says so in one sentence (see
// ErrUnsupported). Start returns the error instead.
func NewServer() *Server {
	return NewServerOptions(Options{})
}

// NewServerOptions starts and returns a Server configured by o. It panics
// with Start's error message if the server cannot start.
func NewServerOptions(o Options) *Server {
	s, err := Start(o)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// Start starts and returns a Server configured by o, or an error if it
// cannot start. On systems where vmtest cannot run (Windows) the error is
// ErrUnsupported, a sentence that names the systems it needs.
func Start(o Options) (*Server, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	s, err := start(o)
	if err != nil {
		return nil, fmt.Errorf("vmtest: cannot start server: %w", err)
	}
	return s, nil
}

// start builds a Server, writes its files and starts listening.
func start(o Options) (*Server, error) {
	o = o.withDefaults()
	s := &Server{
		opts:       o,
		log:        o.Logger,
		user:       currentUser(),
		gate:       newStallGate(),
		done:       make(chan struct{}),
		conns:      map[*stallConn]struct{}{},
		authorized: map[string]bool{},
		bootID:     o.BootID,
		marker:     newMarker(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, step := range []func() error{s.setupKeys, s.setupHome, s.setupConfig, s.listenFirst} {
		if err := step(); err != nil {
			s.cancel()
			s.removeFiles()
			return nil, err
		}
	}
	return s, nil
}

// setupKeys generates the host and client keys (or takes those of
// Options) and writes the client key file.
func (s *Server) setupKeys() error {
	var err error
	if s.tempDir, err = makeTempDir(); err != nil {
		return err
	}
	if s.hostSigner, _, err = signerFor(s.opts.HostKey); err != nil {
		return fmt.Errorf("host key: %w", err)
	}
	clientSigner, clientKey, err := signerFor(s.opts.ClientKey)
	if err != nil {
		return fmt.Errorf("client key: %w", err)
	}
	s.clientSigner = clientSigner
	s.authorized[string(clientSigner.PublicKey().Marshal())] = true
	s.keyFile, err = writeKeyFile(s.tempDir, clientKey)
	return err
}

// listenFirst picks the server's port and writes the known_hosts file.
func (s *Server) listenFirst() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.addr = ln.Addr().String()
	s.port = ln.Addr().(*net.TCPAddr).Port
	if s.knownHosts, err = writeKnownHosts(s.tempDir, s.addr, s.hostSigner.PublicKey()); err != nil {
		ln.Close()
		return err
	}
	if s.sshConfig, err = s.writeSSHConfig(); err != nil {
		ln.Close()
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serveLocked(ln)
	return nil
}

// Close stops the server: it stops listening, closes every connection,
// ends the context of every Handler's command, kills every process group
// it started, waits for its goroutines and processes, and removes its
// files and its home directory (not the user's, with Options.RealHome).
// Close may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		close(s.done)
		s.mu.Unlock()
		s.cancel()
		s.StopListening()
		s.DropConnections()
		s.procs.killAll(true)
		s.killMarked()
		s.wg.Wait()
		s.removeFiles()
	})
}

// removeFiles removes the key, known_hosts and ssh_config files and the
// home directory.
func (s *Server) removeFiles() {
	if s.tempDir != "" {
		os.RemoveAll(s.tempDir)
	}
}

// Addr returns the server's address, "127.0.0.1:PORT". It stays the same
// across StopListening, StartListening and Reboot.
func (s *Server) Addr() string { return s.addr }

// Host returns the server's host, "127.0.0.1".
func (s *Server) Host() string {
	host, _, _ := net.SplitHostPort(s.addr)
	return host
}

// Port returns the server's TCP port.
func (s *Server) Port() int { return s.port }

// User returns the name of the local user that commands run as. The server
// accepts any user name; this one is the natural choice for clients.
func (s *Server) User() string { return s.user }

// HostKey returns the server's host key: Options.HostKey's, or an
// ed25519 key generated for this server.
func (s *Server) HostKey() ssh.PublicKey { return s.hostSigner.PublicKey() }

// ClientSigner returns the client key that the server accepts for public
// key authentication: Options.ClientKey, or an ed25519 key generated for
// this server.
func (s *Server) ClientSigner() ssh.Signer { return s.clientSigner }

// ClientKeyFile returns the path of a file, mode 0600, holding
// ClientSigner's private key in OpenSSH format. Close removes it.
func (s *Server) ClientKeyFile() string { return s.keyFile }

// KnownHostsFile returns the path of a known_hosts file that trusts
// HostKey for Addr. Close removes it.
func (s *Server) KnownHostsFile() string { return s.knownHosts }

// BootID returns the current boot id of the fake machine.
func (s *Server) BootID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bootID
}

// Commands returns the command lines of all exec requests received so far,
// in order, including intercepted and refused ones. A command that vmconn
// sent in its envelope appears as the caller gave it (Cmd.Command),
// without the envelope, marker or Env.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands)
}

// recordCommand appends cmdline to Commands.
func (s *Server) recordCommand(cmdline string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = append(s.commands, cmdline)
}

// currentUser returns the name of the user running this process.
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// workDir returns the directory commands start in: the home directory if
// it exists, else the temporary directory.
func workDir() string {
	if home, err := os.UserHomeDir(); err == nil {
		if st, err := os.Stat(home); err == nil && st.IsDir() {
			return home
		}
	}
	return os.TempDir()
}
