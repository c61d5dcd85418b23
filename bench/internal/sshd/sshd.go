// Package sshd starts OpenSSH sshd instances on loopback for the
// benchmarks: one key pair and one host key shared by all, MaxStartups and
// MaxSessions raised so that a thousand connections at once are accepted,
// and, as root, the login user's shell start-up files hidden behind an
// empty file in a private mount namespace (a root ~/.bashrc can add 100 ms
// to every command).
package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmconn/vmconn/bench/internal/proc"
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
	Port int
	log  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Pid returns sshd's process id (the listener).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

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
	sshdBin, err := sshdPath()
	if err != nil {
		return nil, err
	}
	cfgFile := filepath.Join(f.Dir, fmt.Sprintf("sshd_config.%d", port))
	if err := os.WriteFile(cfgFile, []byte(f.config(port, extra)), 0o600); err != nil {
		return nil, err
	}
	logFile := filepath.Join(f.Dir, fmt.Sprintf("sshd.%d.log", port))
	argv := []string{sshdBin, "-D", "-E", logFile, "-f", cfgFile}
	if f.RCHidden {
		argv = append([]string{"unshare", "--mount", "--propagation", "private", "--",
			"/bin/sh", "-c", hideScript, "sh", filepath.Join(f.Dir, "empty"), f.Home}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sshd: %w", err)
	}
	s := &Server{Port: port, log: logFile, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		log, _ := os.ReadFile(logFile)
		return nil, fmt.Errorf("%w: %s", err, log)
	}
	return s, nil
}

// config is the sshd_config of the server on port.
func (f *Farm) config(port int, extra []string) string {
	lines := append([]string{
		"Port " + strconv.Itoa(port),
		"ListenAddress 127.0.0.1",
		"HostKey " + f.hostKey,
	}, extra...)
	lines = append(lines,
		"PidFile "+filepath.Join(f.Dir, fmt.Sprintf("sshd.%d.pid", port)),
		"AuthorizedKeysFile "+filepath.Join(f.Dir, "authorized_keys"),
		"StrictModes no",
		"UsePAM no",
		"PermitRootLogin yes",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"MaxStartups 4000",
		"MaxSessions 100",
		"LoginGraceTime 300",
		"UseDNS no",
		"PrintMotd no",
		"PrintLastLog no",
		"LogLevel ERROR",
	)
	if major, minor := version(); major > 9 || major == 9 && minor >= 8 {
		lines = append(lines, "PerSourcePenalties no", "PerSourceMaxStartups none")
	}
	return strings.Join(lines, "\n") + "\n"
}

// waitReady polls until sshd sends its banner, sshd exits or 10s pass.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		if bannerOK(s.Addr()) {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("sshd exited before accepting connections")
		case <-ctx.Done():
			return fmt.Errorf("sshd not ready on %s: %w", s.Addr(), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func bannerOK(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 8)
	n, _ := io.ReadFull(c, buf)
	return string(buf[:n]) == "SSH-2.0-"
}

// stop ends the listener, then the sessions it started (sshd's per
// connection processes are in its process group unless they made their
// own session, as each login does, so they are found by parent).
func (s *Server) stop() {
	pid := s.cmd.Process.Pid
	kids := descendants(pid)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	for _, k := range kids {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
}

// sshdPath finds sshd, which needs its absolute path to re-exec itself.
func sshdPath() (string, error) {
	if p, err := exec.LookPath("sshd"); err == nil && filepath.IsAbs(p) {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"} {
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("sshd not found (apt-get install openssh-server)")
}

// Version returns OpenSSH's version string, as "sshd -V" prints it.
func Version() string {
	p, err := sshdPath()
	if err != nil {
		return "unknown"
	}
	out, _ := exec.Command(p, "-V").CombinedOutput() // prints the version, exits 1
	return strings.TrimSpace(string(out))
}

func version() (major, minor int) {
	m := regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`).FindStringSubmatch(Version())
	if m == nil {
		return 0, 0
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor
}

func descendants(pid int) []int { return proc.Descendants(pid) }
