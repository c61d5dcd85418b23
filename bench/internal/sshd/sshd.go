// Package sshd starts OpenSSH sshd instances on loopback for the
// benchmarks: one key pair and one host key shared by all, MaxStartups and
// MaxSessions raised so that a thousand connections at once are accepted,
// and, as root, the login user's shell start-up files hidden behind an
// empty file in a private mount namespace (a root ~/.bashrc can add 100 ms
// to every command).
package sshd

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vmconn/vmconn/bench/internal/proc"
	launcher "github.com/vmconn/vmconn/internal/sshd"
)

// Farm is a set of sshd instances that accept the same client key.
type Farm struct {
	Dir        string // working directory: keys, configs, logs
	User       string // the login user (the current user)
	Home       string
	ClientKey  string // private key file (ed25519, no passphrase)
	KnownHosts string // one line per server
	RCHidden   bool   // the login shell's rc files are hidden
	Servers    []*Server

	hostKey string
	hostPub []byte
}

// Server is one sshd listening on 127.0.0.1:Port.
type Server struct {
	Port  int
	log   string
	extra []string // its own sshd_config lines, for Relaunch
	d     *launcher.Daemon
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Pid returns sshd's process id (the listener).
func (s *Server) Pid() int { return s.d.Pid() }

// rcFiles are hidden from sessions as root.
var rcFiles = []string{".bashrc", ".profile", ".bash_profile", ".bash_login"}

// hideScript bind-mounts the empty file $1 over each existing rc file of
// the home directory $2, then becomes sshd (the remaining arguments).
var hideScript = `empty=$1 home=$2; shift 2
for f in ` + strings.Join(rcFiles, " ") + `; do
	if [ -f "$home/$f" ]; then mount --bind "$empty" "$home/$f" || exit 97; fi
done
exec "$@"`

// Start makes the keys in dir; Add starts servers.
func Start(ctx context.Context, dir string) (*Farm, error) {
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	f := &Farm{Dir: dir, User: u.Username, Home: u.HomeDir, RCHidden: os.Geteuid() == 0,
		ClientKey: filepath.Join(dir, "client_key"), KnownHosts: filepath.Join(dir, "known_hosts"),
		hostKey: filepath.Join(dir, "host_ed25519_key")}
	for _, k := range []string{f.ClientKey, f.hostKey} {
		if err := keygen(ctx, k); err != nil {
			return nil, err
		}
	}
	if err := copyFile(f.ClientKey+".pub", filepath.Join(dir, "authorized_keys")); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644); err != nil {
		return nil, err
	}
	if f.hostPub, err = os.ReadFile(f.hostKey + ".pub"); err != nil {
		return nil, err
	}
	return f, nil
}

// Add starts one more sshd with the extra sshd_config lines (which win
// over the farm's own: sshd keeps the first value of a keyword) and adds
// its host key to KnownHosts.
func (f *Farm) Add(ctx context.Context, extra ...string) (*Server, error) {
	s, err := f.startOne(ctx, extra)
	if err != nil {
		return nil, err
	}
	f.Servers = append(f.Servers, s)
	line := fmt.Sprintf("[127.0.0.1]:%d %s", s.Port, f.hostPub)
	kh, err := os.OpenFile(f.KnownHosts, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer kh.Close()
	_, err = kh.WriteString(line)
	return s, err
}

// Stop ends the server's listener and the sessions it started, as a
// reboot would; Relaunch starts it again.
func (s *Server) Stop() { s.stop() }

// Accepted returns when the server's listener, as last started, first
// accepted a connection (the launcher's readiness probe).
func (s *Server) Accepted() time.Time { return s.d.Accepted() }

// Relaunch starts the stopped server s again on its port, with its
// configuration, and returns once it accepts connections.
func (f *Farm) Relaunch(ctx context.Context, s *Server) error {
	n, err := f.launch(ctx, s.Port, s.extra)
	if err != nil {
		return err
	}
	s.d = n.d
	return nil
}

// LogFile is the server's sshd log.
func (s *Server) LogFile() string { return s.log }

// Close stops every sshd (SIGTERM, then SIGKILL after 2s) and the
// sessions they started.
func (f *Farm) Close() {
	for _, s := range f.Servers {
		s.stop()
	}
	f.Servers = nil
}

func keygen(ctx context.Context, file string) error {
	out, err := exec.CommandContext(ctx, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vmbench", "-f", file).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ssh-keygen: %w: %s", err, out)
	}
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// startOne picks a free port and starts sshd on it, retrying a few times
// if another process takes the port meanwhile.
func (f *Farm) startOne(ctx context.Context, extra []string) (*Server, error) {
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := f.launch(ctx, port, extra)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (f *Farm) launch(ctx context.Context, port int, extra []string) (*Server, error) {
	logFile := filepath.Join(f.Dir, fmt.Sprintf("sshd.%d.log", port))
	var prefix []string
	if f.RCHidden {
		prefix = []string{"unshare", "--mount", "--propagation", "private", "--",
			"/bin/sh", "-c", hideScript, "sh", filepath.Join(f.Dir, "empty"), f.Home}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d, err := launcher.Start(ctx, launcher.Options{
		Config:     f.config(port, extra),
		ConfigFile: filepath.Join(f.Dir, fmt.Sprintf("sshd_config.%d", port)),
		LogFile:    logFile,
		Prefix:     prefix,
		Poll:       2 * time.Millisecond, // Accepted within 2 ms of sshd's first accept
	})
	if err != nil {
		log, _ := os.ReadFile(logFile)
		return nil, fmt.Errorf("%w: %s", err, log)
	}
	return &Server{Port: port, log: logFile, extra: extra, d: d}, nil
}

// config is the sshd_config of the server on port.
func (f *Farm) config(port int, extra []string) launcher.Config {
	return launcher.Config{
		Port:               port,
		HostKeys:           []string{f.hostKey},
		PidFile:            filepath.Join(f.Dir, fmt.Sprintf("sshd.%d.pid", port)),
		AuthorizedKeysFile: filepath.Join(f.Dir, "authorized_keys"),
		LogLevel:           "ERROR",
		MaxSessions:        100,
		MaxStartups:        "4000",
		Lines:              append(append([]string{}, extra...), "LoginGraceTime 300"),
	}
}

// stop ends the listener, then the sessions it started (sshd's per
// connection processes are in its process group unless they made their
// own session, as each login does, so they are found by parent).
func (s *Server) stop() {
	kids := proc.Descendants(s.d.Pid())
	_ = s.d.Stop(2 * time.Second)
	for _, k := range kids {
		killPid(k)
	}
}

// Version returns OpenSSH's version string, as "sshd -V" prints it.
func Version() string { return launcher.VersionString() }
