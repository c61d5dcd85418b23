package control

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// Dialer connects to the master at Path. Its Config makes a vmconn.Client
// that goes through the master.
type Dialer struct {
	// Path is the master's socket.
	Path string

	// Key is the settings key of the connection wanted (see Key).
	Key string

	// Start, if set, starts a master at Path when none answers there;
	// Dial then tries once more. It may return ErrInUse: another master
	// won the race, and Dial uses that one.
	Start func(ctx context.Context) error

	mu      sync.Mutex
	hostKey ssh.PublicKey // announced by the master dialed last
}

// Conn is a connection to a master, its greeting done: SSH follows.
type Conn struct {
	replayConn
	// HostKey is the master's ephemeral host key, from its greeting.
	HostKey ssh.PublicKey
}

// Dial connects to the master at path that serves key. Errors wrap
// ErrNoMaster (no socket), ErrStale (nothing answered; the socket is
// removed), ErrUntrusted, ErrMismatch, ErrPathTooLong or ErrUnsupported.
func Dial(ctx context.Context, path, key string) (*Conn, error) {
	uc, err := connect(ctx, path)
	if err != nil {
		return nil, err
	}
	var c net.Conn = uc
	stop := context.AfterFunc(ctx, func() { c.Close() })
	pub, rest, err := clientGreeting(c, key)
	if !stop() {
		c.Close()
		return nil, ctx.Err()
	}
	if err != nil {
		c.Close()
		return nil, stopping(err)
	}
	return &Conn{replayConn: replayConn{UnixConn: uc, rest: rest}, HostKey: pub}, nil
}

// connect opens a connection to the socket at path and checks that its
// peer is this user's: the checks and errors of Dial before its greeting.
func connect(ctx context.Context, path string) (*net.UnixConn, error) {
	if !supported {
		return nil, ErrUnsupported
	}
	if err := CheckPath(path); err != nil {
		return nil, err
	}
	if err := checkSocket(path); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			os.Remove(path)
			return nil, ErrStale
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNoMaster
		}
		return nil, err
	}
	uc := c.(*net.UnixConn)
	if uid, err := peerUID(uc); err != nil || uid != ownUID {
		c.Close()
		return nil, fmt.Errorf("%w: the master at %s runs as uid %d (%v)", ErrUntrusted, path, uid, err)
	}
	return uc, nil
}

// Dial connects to the master, starting one with Start if none answers.
func (d *Dialer) Dial(ctx context.Context) (*Conn, error) {
	c, err := Dial(ctx, d.Path, d.Key)
	if d.Start != nil && (errors.Is(err, ErrNoMaster) || errors.Is(err, ErrStale)) {
		if serr := d.Start(ctx); serr != nil && !errors.Is(serr, ErrInUse) {
			return nil, serr
		}
		c, err = Dial(ctx, d.Path, d.Key)
	}
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.hostKey = c.HostKey
	d.mu.Unlock()
	return c, nil
}

// Config returns a copy of base that connects through the master: its
// DialContext dials the master (each reconnection too), its host key is
// the one the master announced, and it offers no keys or password (the
// master's socket is the authentication). What base says about commands
// (keepalive, sessions, reboot and boot-id commands, events, logger)
// stays.
func (d *Dialer) Config(base *vmconn.Config) *vmconn.Config {
	cfg := vmconn.Config{}
	if base != nil {
		cfg = *base
	}
	cfg.IdentityFiles, cfg.Signers, cfg.CertificateFiles, cfg.Password = nil, nil, nil, ""
	cfg.IdentitiesOnly, cfg.NoAgent, cfg.Passphrase = true, true, nil
	cfg.KnownHostsFiles, cfg.HostKeyMode, cfg.HostKeyAlgorithms = nil, vmconn.HostKeyStrict, nil
	cfg.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
		c, err := d.Dial(ctx)
		if err != nil {
			return nil, fmt.Errorf("control socket %s: %w", d.Path, err)
		}
		return c, nil
	}
	cfg.HostKeyCallback = func(_ string, _ net.Addr, key ssh.PublicKey) error {
		d.mu.Lock()
		want := d.hostKey
		d.mu.Unlock()
		if want == nil || string(want.Marshal()) != string(key.Marshal()) {
			return fmt.Errorf("%w: host key is not the one its greeting announced", ErrUntrusted)
		}
		return nil
	}
	return &cfg
}
