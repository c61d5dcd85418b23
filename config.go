package vmconn

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/vmconn/vmconn/internal/backoff"
	"golang.org/x/crypto/ssh"
)

// HostKeyMode says how a server's host key is checked against known_hosts.
type HostKeyMode int

const (
	// HostKeyStrict (the default) accepts only keys already listed in the
	// known_hosts files; an unknown host or a changed key is an error.
	HostKeyStrict HostKeyMode = iota
	// HostKeyAcceptNew trusts a host seen for the first time and appends
	// its key to the first known_hosts file (like OpenSSH's
	// StrictHostKeyChecking=accept-new). A changed key is still an error.
	HostKeyAcceptNew
	// HostKeyInsecureIgnore accepts any host key. Use it only for
	// throw-away test machines: it makes the connection open to
	// man-in-the-middle attacks.
	HostKeyInsecureIgnore
)

// String returns the mode's name as the CLI spells it.
func (m HostKeyMode) String() string {
	switch m {
	case HostKeyStrict:
		return "strict"
	case HostKeyAcceptNew:
		return "accept-new"
	case HostKeyInsecureIgnore:
		return "insecure-ignore"
	}
	return "unknown"
}

// Defaults used for zero Config fields.
const (
	DefaultPort              = 22
	DefaultConnectTimeout    = 15 * time.Second
	DefaultKeepaliveInterval = 15 * time.Second
	DefaultKeepaliveCountMax = 3
	DefaultMaxSessions       = 10 // OpenSSH's default MaxSessions
	DefaultReconnectTimeout  = 2 * time.Minute
	DefaultReconnectPoll     = 100 * time.Millisecond
	DefaultSessionWait       = 30 * time.Second
)

// Config describes how to connect and authenticate. The zero value is
// usable: it connects as the current user with the default identity files
// and the ssh-agent, verifying host keys against ~/.ssh/known_hosts.
//
// A Config must not be modified while a Dial that uses it is in progress;
// it may be shared by many Dials.
type Config struct {
	// User to log in as. Zero means the user named in the address, else
	// the current local user.
	User string

	// Port used when the address names none. Zero means 22.
	Port int

	// IdentityFiles are private key files (OpenSSH, PEM or PKCS#8). Zero
	// means ~/.ssh/id_ed25519, id_ecdsa and id_rsa, those that exist and
	// can be read without a passphrase or with Passphrase (or, encrypted,
	// whose key the agent holds: file.pub names it). A listed file that
	// cannot be used is an ErrConfig error.
	//
	// Keys are offered as ssh offers them, so that the right one is not
	// lost behind others when the server allows few tries (OpenSSH's
	// MaxAuthTries, 6 by default): Signers first, then IdentityFiles in
	// order (signed by the agent when it holds the key), then the agent's
	// other keys unless IdentitiesOnly.
	IdentityFiles []string

	// Signers are keys given explicitly, offered first. A signer made
	// with ssh.NewCertSigner offers an OpenSSH certificate with its key
	// (for a server whose TrustedUserCAKeys trusts the certificate's CA).
	// An IdentityFiles entry's certificate, file-cert.pub beside it, is
	// offered with it as ssh does; a certificate there for another key is
	// an ErrConfig error.
	Signers []ssh.Signer

	// CertificateFiles are OpenSSH user certificates (ssh_config's
	// CertificateFile), each offered, before the plain key, with the key
	// it certifies: one of Signers, IdentityFiles or the agent's. Without
	// an agent, a certificate that none of those keys matches is an
	// ErrConfig error. Zero means only the files beside IdentityFiles.
	CertificateFiles []string

	// IdentitiesOnly offers only Signers and IdentityFiles (the default
	// files when IdentityFiles is zero), as ssh's IdentitiesOnly does: the
	// agent still signs for those it holds, but its other keys are not
	// offered. Zero means the agent's other keys are offered after them.
	IdentitiesOnly bool

	// Passphrase is called for an encrypted key file and returns its
	// passphrase. Nil means encrypted default keys are skipped and
	// encrypted IdentityFiles are an error.
	Passphrase func(keyFile string) ([]byte, error)

	// Password, if not empty, is offered after public keys, as "password"
	// and as the answer to "keyboard-interactive" prompts. It is never
	// logged.
	Password string

	// NoAgent disables the ssh-agent. Zero means the agent at AgentSocket
	// signs for the keys it holds (see IdentityFiles for the order).
	NoAgent bool

	// AgentSocket is the agent's socket. Zero means $SSH_AUTH_SOCK, or,
	// on Windows when that is unset, the OpenSSH agent's named pipe
	// \\.\pipe\openssh-ssh-agent. On Windows a \\.\pipe\NAME path
	// is dialled as a named pipe.
	AgentSocket string

	// KnownHostsFiles are checked for host keys. Zero means
	// ~/.ssh/known_hosts. With HostKeyAcceptNew, new keys are appended to
	// the first file.
	KnownHostsFiles []string

	// HostKeyMode: strict (zero), accept-new, or insecure-ignore.
	HostKeyMode HostKeyMode

	// HostKeyCallback, if set, replaces known_hosts checking entirely (for
	// example ssh.FixedHostKey for a key you obtained out of band).
	HostKeyCallback ssh.HostKeyCallback

	// HostKeyAlgorithms restricts the key types accepted from the server.
	// Zero means those listed in known_hosts for the host first, then all.
	HostKeyAlgorithms []string

	// ConnectTimeout bounds the TCP connect and the SSH handshake together.
	// Zero means 15s; the context may end it sooner.
	ConnectTimeout time.Duration

	// KeepaliveInterval is how often a keepalive@openssh.com request is
	// sent on an idle connection. Zero means 15s; negative disables
	// keepalives.
	KeepaliveInterval time.Duration

	// KeepaliveCountMax is how many keepalive replies may be missed in a
	// row before the connection is declared lost. Zero means 3.
	KeepaliveCountMax int

	// MaxSessions caps the commands running at once over one connection;
	// more wait for a free slot instead of failing. Zero means 10 (sshd's
	// default MaxSessions).
	MaxSessions int

	// SessionWait bounds how long a call waits for the server to grant a
	// session it refused for lack of slots (sshd's MaxSessions, whoever
	// holds them; OpenSSH even refuses a session opened right after
	// another one ended), asking again with backoff. Time during which
	// other sessions of this client are open does not count: they end
	// and free their slots. It applies only when the call's context has
	// no deadline; with a deadline, the context alone bounds the wait.
	// When it passes, the call fails with an error wrapping ErrRefused and
	// the server's *ssh.OpenChannelError. Zero means 30s; negative means
	// fail at the first refusal made while none of the client's other
	// sessions is open.
	SessionWait time.Duration

	// WarmSession, if positive, keeps a warm session ready: after a
	// command ends, the client opens a session and starts its login
	// shell and /bin/sh, which wait for the next command's script on
	// standard input (REMOTE.md, "Warm sessions"). A command without a
	// PTY or Sudo then starts without waiting for the server's session
	// setup and login shell: in a loop of short commands, about half of
	// each command's time. A warm session holds one remote process and
	// one session slot (never the client's last; it is given up when the
	// server refuses a session); it is closed after WarmSession unused,
	// or at Close. A connection that is lost takes it along: the client
	// never reconnects for one. Zero (the default) keeps none.
	WarmSession time.Duration

	// ReconnectTimeout bounds one reconnection (all its attempts) after
	// the connection was lost; the next call that needs the connection
	// reconnects. Zero means 2 minutes; negative disables reconnecting.
	ReconnectTimeout time.Duration

	// ReconnectBackoff is the wait after the first failed attempt that
	// reached the server or timed out (a refused connect is polled
	// instead, see ReconnectPoll); it doubles (with jitter) up to
	// ReconnectMaxBackoff. Zero means 250ms and 5s.
	ReconnectBackoff    time.Duration
	ReconnectMaxBackoff time.Duration

	// ReconnectPoll is the longest wait between TCP connects while the
	// host refuses them (its sshd is down or not up yet) or has no route:
	// each wait is jittered into [ReconnectPoll/2, ReconnectPoll], so
	// that the host is noticed soon after sshd accepts again. A connect
	// that succeeds goes straight on into the handshake and login on that
	// connection: none is opened and dropped, which OpenSSH 9.8 and later
	// penalise (PerSourcePenalties "noauth"). One attempt (one
	// EventReconnecting) polls for up to ConnectTimeout; other failures
	// (a timeout, a failed handshake) wait ReconnectBackoff as before.
	// Zero means 100ms: at most 20 connects a second. Negative turns the
	// poll off: every failed attempt waits the backoff.
	ReconnectPoll time.Duration

	// BootIDCommand prints the machine's boot identity. Zero means
	// "cat /proc/sys/kernel/random/boot_id" (with a fallback to btime
	// from /proc/stat when that file is missing).
	BootIDCommand string

	// RebootCommand is run by Client.Reboot. Zero means "reboot".
	RebootCommand string

	// OnEvent, if set, is called for every connection state change
	// (connected, lost, reconnecting, reconnected, rebooted), in order,
	// from the goroutine that caused it. It must not block for long.
	OnEvent func(Event)

	// Logger receives debug and state-change records. Nil means silent.
	// Info: dial, host key verdict, auth methods tried, events (lost,
	// reconnected, rebooted). Debug: also each command line started (with
	// its Env names) and more detail. Secrets (passwords, passphrases,
	// key material, Env values, sudo passwords) are never logged.
	Logger *slog.Logger

	// DialContext, if set, makes the TCP connection instead of a
	// net.Dialer (for a proxy, a network namespace, or fault injection).
	// It should return soon after ctx ends: Client.Close waits for a
	// reconnection's dial in progress.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// ClientVersion is the SSH version banner. Zero means x/crypto's.
	ClientVersion string
}

func (c *Config) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 {
		return c.ConnectTimeout
	}
	return DefaultConnectTimeout
}

func (c *Config) keepalive() (interval time.Duration, countMax int) {
	interval, countMax = c.KeepaliveInterval, c.KeepaliveCountMax
	if interval == 0 {
		interval = DefaultKeepaliveInterval
	}
	if countMax <= 0 {
		countMax = DefaultKeepaliveCountMax
	}
	return interval, countMax
}

func (c *Config) maxSessions() int {
	if c.MaxSessions > 0 {
		return c.MaxSessions
	}
	return DefaultMaxSessions
}

func (c *Config) sessionWait() time.Duration {
	if c.SessionWait == 0 {
		return DefaultSessionWait
	}
	return c.SessionWait
}

func (c *Config) reconnect() (total, first, maxBackoff time.Duration) {
	total, first, maxBackoff = c.ReconnectTimeout, c.ReconnectBackoff, c.ReconnectMaxBackoff
	if total == 0 {
		total = DefaultReconnectTimeout
	}
	if first <= 0 {
		first = 250 * time.Millisecond
	}
	if maxBackoff <= 0 {
		maxBackoff = 5 * time.Second
	}
	return total, first, max(first, maxBackoff)
}

// reconnectPacing returns the waits between reconnection attempts: the
// backoff, and the poll for refused connects.
func (c *Config) reconnectPacing() *backoff.Backoff {
	_, first, most := c.reconnect()
	b := backoff.New(first, most)
	switch {
	case c.ReconnectPoll == 0:
		b.SetPoll(DefaultReconnectPoll)
	case c.ReconnectPoll > 0:
		b.SetPoll(c.ReconnectPoll)
	}
	return b
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Config returns a copy of the Config the client was dialled with, for
// code that opens a second connection to the same machine with the same
// credentials (package alive logs in anew with it). Its slices and
// callbacks are the caller's originals: treat them as read-only. A zero
// Client's is the zero Config.
func (c *Client) Config() *Config {
	cfg := c.cfg
	return &cfg
}
