package sshdtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Server is a running OpenSSH sshd. Its fields are set by Start and must not
// be changed; its methods are safe for concurrent use.
type Server struct {
	Addr string // "127.0.0.1:PORT"
	Host string // "127.0.0.1"
	Port int

	User     string // the user to log in as: the current user or Options.PasswordUser's
	Password string // User's password, when Options.PasswordUser

	ClientKeyFile    string     // an ed25519 private key (OpenSSH format, no passphrase) authorized for User
	ClientSigner     ssh.Signer // ClientKeyFile, parsed
	EncryptedKeyFile string     // another authorized ed25519 key, encrypted with Passphrase
	Passphrase       string

	KnownHostsFile       string          // every host key, as "[127.0.0.1]:PORT"
	HashedKnownHostsFile string          // the same entries with hashed host names
	HostKeys             []ssh.PublicKey // the server's host keys

	Dir string // the directory that holds all of the above, the config and the logs

	opts         Options
	hostKeyFiles []string
	passwordUser string // "" unless Options.PasswordUser
	launch       launchSpec
	procs        *tracker

	mu     sync.Mutex
	d      *daemon // the running listener, nil when stopped
	closed bool
}

// Start starts sshd on a free loopback port and returns once it accepts
// connections. t.Cleanup stops it, kills its processes and removes its
// files. Start skips the test when sshd is not installed or when an option
// needs root (see Require, RequireRoot), and fails it on any other error.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	Require(t)
	if o.PasswordUser {
		RequireRoot(t, "Options.PasswordUser")
	}
	if o.LoginShell != "" {
		RequireShell(t, o.LoginShell)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	sweep(ctx)
	dir, err := os.MkdirTemp("", dirPattern)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	s := &Server{Dir: dir, Host: "127.0.0.1", opts: o, procs: newTracker(filepath.Join(dir, markerFile))}
	t.Cleanup(func() { s.cleanup(t) })
	if err := s.prepare(ctx); err != nil {
		t.Fatalf("%v", err)
	}
	port, err := s.start(ctx, 0)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.Logs())
	}
	s.Port, s.Addr = port, net.JoinHostPort(s.Host, strconv.Itoa(port))
	if err := s.writeKnownHosts(); err != nil {
		t.Fatalf("%v", err)
	}
	return s
}

// prepare writes the keys and files and creates the password user.
func (s *Server) prepare(ctx context.Context) error {
	// Readable by a password user, which reads authorized_keys as itself.
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if err := writeOwner(s.Dir); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if err := s.writeKeys(ctx); err != nil {
		return err
	}
	if err := s.setUser(ctx); err != nil {
		return err
	}
	return s.setLaunch()
}

// writeKeys generates the host and client keys and authorizes the latter.
func (s *Server) writeKeys(ctx context.Context) error {
	s.ClientKeyFile = s.path("id_ed25519")
	s.EncryptedKeyFile = s.path("id_ed25519_encrypted")
	s.Passphrase = passphrase()
	jobs := hostKeyJobs(s.Dir, s.opts.hostKeyTypes())
	jobs = append(jobs,
		keyJob{typ: "ed25519", file: s.ClientKeyFile},
		keyJob{typ: "ed25519", file: s.EncryptedKeyFile, passphrase: s.Passphrase})
	if err := keygen(ctx, jobs); err != nil {
		return err
	}
	for _, j := range jobs[:len(jobs)-2] {
		k, err := readPublicKey(j.file)
		if err != nil {
			return err
		}
		s.HostKeys = append(s.HostKeys, k)
		s.hostKeyFiles = append(s.hostKeyFiles, j.file)
	}
	signer, err := readSigner(s.ClientKeyFile)
	if err != nil {
		return err
	}
	s.ClientSigner = signer
	return writeAuthorizedKeys(s.path("authorized_keys"), s.ClientKeyFile, s.EncryptedKeyFile)
}

// setUser sets User: the current user, or a new password user.
func (s *Server) setUser(ctx context.Context) error {
	if !s.opts.PasswordUser {
		u, err := user.Current()
		if err != nil {
			return fmt.Errorf("sshdtest: %w", err)
		}
		s.User = u.Username
		return nil
	}
	name, password, err := createUser(ctx, s.opts.LoginShell)
	if err != nil {
		return err
	}
	s.User, s.Password, s.passwordUser = name, password, name
	return nil
}

// setLaunch decides how to run sshd.
func (s *Server) setLaunch() error {
	if _, err := sshdPath(); err != nil {
		return err
	}
	l := &s.launch
	l.config, l.logFile = s.path("sshd_config"), s.path("sshd.log")
	l.wrapperLog, l.emptyFile = s.path("wrapper.log"), s.path("empty")
	if os.Geteuid() != 0 {
		return nil // no namespace
	}
	l.namespace, l.marker = true, s.path(markerFile)
	if err := os.WriteFile(l.marker, nil, 0o644); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if s.opts.KeepRCFiles {
		return nil
	}
	u, err := user.Current() // sshd uses the home in passwd, not $HOME
	if err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	l.hideRCHome = u.HomeDir
	if err := os.WriteFile(l.emptyFile, nil, 0o644); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	return nil
}

// path returns the name of a file in the server's directory.
func (s *Server) path(name string) string { return filepath.Join(s.Dir, name) }

// writeKnownHosts writes KnownHostsFile and HashedKnownHostsFile.
func (s *Server) writeKnownHosts() error {
	s.KnownHostsFile, s.HashedKnownHostsFile = s.path("known_hosts"), s.path("known_hosts_hashed")
	if err := writeKnownHosts(s.KnownHostsFile, s.Addr, s.HostKeys, false); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	if err := writeKnownHosts(s.HashedKnownHostsFile, s.Addr, s.HostKeys, true); err != nil {
		return fmt.Errorf("sshdtest: %w", err)
	}
	return nil
}
