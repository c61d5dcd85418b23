//go:build linux

package vmhost

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/dropbear"
	"github.com/vmconn/vmconn/internal/netns"
	"github.com/vmconn/vmconn/internal/testenv"
	"golang.org/x/crypto/ssh"
)

// DefaultDowntime is how long a rebooting machine stays down when
// Options.Downtime is zero.
const DefaultDowntime = 300 * time.Millisecond

// waitTimeout bounds every wait of the harness: a boot, sshd's start, a
// process's death.
const waitTimeout = 15 * time.Second

// Options configure Start. The zero value is a machine that reboots with
// a downtime of 300ms.
type Options struct {
	// Downtime is how long the machine stays down in a reboot, between
	// the death of the old boot's PID 1 and the start of the new one.
	// Zero means DefaultDowntime; negative means none.
	Downtime time.Duration

	// BusyboxPATH gives sshd's sessions a PATH that holds busybox's
	// applets alone (a directory of symbolic links to busybox, in Dir),
	// through sshd's SetEnv: a machine with a minimal userland, without
	// util-linux, coreutils or procps (no flock, nohup, pgrep, pkill, GNU
	// tail). /bin/sh stays the system's. Start skips the test (fails it
	// under CI=true) when busybox is not installed.
	BusyboxPATH bool

	// Server is the SSH server the machine runs. Zero means OpenSSH.
	Server Server
}

// Server names an SSH server the machine can run.
type Server int

// The servers.
const (
	// OpenSSH's sshd, configured by the harness (sshd_config in Dir).
	OpenSSH Server = iota
	// Dropbear (internal/dropbear), with the same host key. Root's home is
	// then a directory of the harness (Dir/home, mounted over it in the
	// machine's mount namespace), which holds .ssh/authorized_keys. Start
	// skips the test (fails it under CI=true) when dropbear is not
	// installed. BusyboxPATH does not apply: dropbear sets PATH itself.
	Dropbear
)

// String returns "openssh" or "dropbear".
func (s Server) String() string {
	if s == Dropbear {
		return "dropbear"
	}
	return "openssh"
}

func (o *Options) downtime() time.Duration {
	switch {
	case o == nil || o.Downtime == 0:
		return DefaultDowntime
	case o.Downtime < 0:
		return 0
	}
	return o.Downtime
}

// Host is a running stand-in machine. Its fields are set by Start and
// must not be changed; its methods are safe for concurrent use, and the
// faults they make (reboots, sshd restarts) happen one at a time.
type Host struct {
	Addr  string // "192.0.2.N:22", where sshd listens; reachable from the client namespace only
	Addr6 string // "[2001:db8::N]:22", the same over IPv6
	User  string // "root"

	ClientSigner   ssh.Signer // a key authorized for User (until SetAuthorizedKeys)
	ClientKeyFile  string     // ClientSigner's private key (OpenSSH format, no passphrase)
	KnownHostsFile string     // trusts the first boot's host key at Addr and Addr6; never rewritten

	Dir string // keys, sshd_config, the boot id file and the logs

	VM     *netns.Host // the machine's network namespace
	Client *netns.Host // the namespace Dial connects from

	tb       testing.TB
	downtime time.Duration
	home     string // root's home, whose start-up files are hidden
	envPATH  string // the sessions' PATH, "" for sshd's default
	server   Server
	stop     chan struct{}
	wg       sync.WaitGroup // supervisors and listener waiters

	life sync.Mutex // held by boots, reboots, sshd restarts and cleanup

	mu          sync.Mutex
	cur         *boot // the running boot; nil while the machine is down
	boots       []Boot
	hostKey     ssh.PublicKey
	nextHostKey ssh.PublicKey // made by RotateHostKey, for the next boot
	changed     chan struct{} // closed and replaced whenever boots changes
	errs        []error       // failures of automatic reboots, reported at cleanup
	closed      bool
}

// Start boots a stand-in machine and returns once its sshd answers. It
// skips tb when the harness cannot run here (fails it under CI=true, see
// Require), and fails it on any other error. t.Cleanup kills the machine
// and removes everything Start made.
func Start(tb testing.TB, o *Options) *Host {
	tb.Helper()
	Require(tb)
	lab := netns.NewLab(tb)
	vm, client := lab.AddHost("vm", nil), lab.AddHost("client", nil)
	h := &Host{
		Addr:     net.JoinHostPort(vm.IPv4.String(), "22"),
		Addr6:    net.JoinHostPort(vm.IPv6.String(), "22"),
		User:     "root",
		Dir:      tb.TempDir(), // made before our cleanup is registered: removed after it
		VM:       vm,
		Client:   client,
		tb:       tb,
		downtime: o.downtime(),
		stop:     make(chan struct{}),
		changed:  make(chan struct{}),
	}
	if o != nil && o.Server == Dropbear {
		_, err := dropbear.Path()
		testenv.Require(tb, err == nil, fmt.Sprintf("vmhost: %v", err))
		h.server = Dropbear
	}
	if o != nil && o.BusyboxPATH {
		dir, err := testenv.BusyboxDir(tb.TempDir())
		testenv.Require(tb, err == nil, fmt.Sprintf("vmhost: BusyboxPATH: %v", err))
		h.envPATH = dir
	}
	if err := h.prepare(); err != nil {
		tb.Fatalf("vmhost: %v", err)
	}
	tb.Cleanup(h.cleanup)
	h.life.Lock()
	err := h.bootLocked()
	h.life.Unlock()
	if err != nil {
		tb.Fatalf("vmhost: first boot: %v\n%s", err, h.Logs())
	}
	return h
}

// prepare writes the keys, known_hosts and authorized_keys (each start of
// sshd writes sshd_config).
func (h *Host) prepare() error {
	u, err := user.Lookup(h.User)
	if err != nil {
		return err
	}
	h.home = u.HomeDir
	if err := os.WriteFile(h.path("empty"), nil, 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(h.path("home/.ssh"), 0o700); err != nil {
		return err
	}
	if h.hostKey, err = writeHostKey(h.path(hostKeyFile)); err != nil {
		return err
	}
	h.ClientKeyFile = h.path("id_ed25519")
	if h.ClientSigner, err = writeKey(h.ClientKeyFile); err != nil {
		return err
	}
	h.KnownHostsFile = h.path("known_hosts")
	if err := writeKnownHosts(h.KnownHostsFile, h.hostKey, h.Addr, h.Addr6); err != nil {
		return err
	}
	if err := h.SetAuthorizedKeys(h.ClientSigner.PublicKey()); err != nil {
		return err
	}
	return nil
}

// cleanup kills the machine and waits for the harness's goroutines.
func (h *Host) cleanup() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	close(h.stop)
	h.life.Lock()
	err := h.shutdownLocked()
	h.life.Unlock()
	h.wg.Wait()
	h.mu.Lock()
	errs := h.errs
	h.mu.Unlock()
	if err != nil {
		h.tb.Errorf("vmhost: cleanup: %v", err)
	}
	for _, err := range errs {
		h.tb.Errorf("vmhost: %v", err)
	}
	if h.tb.Failed() {
		h.tb.Logf("vmhost: logs of the machine at %s (%s):\n%s", h.Addr, h.Dir, lastLines(h.Logs(), 80))
	}
}

// Dial connects to addr from the client namespace, bounded by ctx: give
// it to vmconn.Config.DialContext.
func (h *Host) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return h.Client.Dial(ctx, network, addr)
}

// BootID returns the boot id of the latest boot: the running one, or the
// one that ended last while the machine is down.
func (h *Host) BootID() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.boots[len(h.boots)-1].ID
}

// HostKey returns the host key sshd presents (changed only by a boot
// after RotateHostKey).
func (h *Host) HostKey() ssh.PublicKey {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hostKey
}

// path returns the name of a file in Dir.
func (h *Host) path(name string) string { return filepath.Join(h.Dir, name) }

// readFile returns a file's content, "" on error.
func readFile(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

// Logs returns what the machine's PID 1, nsenter and sshd have logged,
// for the messages of failing tests.
func (h *Host) Logs() string {
	var s string
	for _, name := range []string{"init.log", "nsenter.log", "sshd.log"} {
		s += "== " + name + "\n" + readFile(h.path(name))
	}
	return s
}
