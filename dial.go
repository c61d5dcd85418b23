package vmconn

import (
	"context"
	"errors"
	"io"
	"net"
	"os/user"
	"strings"
	"syscall"
	"time"

	"github.com/vmconn/vmconn/internal/backoff"
	"github.com/vmconn/vmconn/internal/quickack"
	"golang.org/x/crypto/ssh"
)

// Dial connects to addr ("[user@]host[:port]", IPv6 as "[addr]:port"),
// verifies the host key and authenticates. The TCP connect and the SSH
// handshake together are bounded by ctx and cfg.ConnectTimeout: when
// either ends, the connection is closed and Dial returns at once, even if
// the server stopped answering mid-handshake. A nil cfg is the zero Config.
//
// Errors are *OpError values wrapping one of ErrConfig, ErrUnreachable,
// ErrTimeout (ConnectTimeout passed: "connect timeout (15s)"),
// ErrHandshake, ErrAuth, ErrHostKeyUnknown, ErrHostKeyChanged or
// ErrHostKeyRevoked (the last three as a *HostKeyError), or the end of
// ctx (context.Canceled or context.DeadlineExceeded, never ErrTimeout).
func Dial(ctx context.Context, addr string, cfg *Config) (*Client, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	t, err := ParseTarget(addr)
	if err != nil {
		return nil, err
	}
	c := newClient(t, cfg)
	cn, err := c.dialConn(ctx)
	if err != nil {
		return nil, err
	}
	c.setConn(cn)
	c.emit(Event{Type: EventConnected})
	return c, nil
}

// dialConn makes one connection: TCP connect, handshake, auth. Key files
// and known_hosts are read first, so bad input fails before any traffic.
func (c *Client) dialConn(ctx context.Context) (*conn, error) { return c.dialConnPolling(ctx, nil) }

// dialConnPolling is dialConn that, with poll, tries the TCP connect
// again while it fails without reaching the server (see connect). A TCP
// connect that succeeds always goes on into the handshake and login on
// that same connection: vmconn never opens a connection to sshd only to
// drop it, which OpenSSH 9.8 and later penalise (PerSourcePenalties).
func (c *Client) dialConnPolling(ctx context.Context, poll *backoff.Backoff) (*conn, error) {
	sshCfg, verdicts, agentConn, err := c.sshConfig()
	if err != nil {
		return nil, err
	}
	defer agentConn.Close()
	start := time.Now()
	c.log.Info("vmconn: dialing", "addr", c.addr, "user", c.user)
	nc, ctx, cancel, err := c.connect(ctx, poll)
	if err != nil {
		return nil, c.opError("dial", err)
	}
	defer cancel()
	nc = quickack.Wrap(nc) // sshd's Nagle stall before its first session: ~40 ms saved per connection
	sc, err := c.handshakeWith(ctx, nc, sshCfg, verdicts)
	if err != nil {
		return nil, c.opError("handshake", err)
	}
	c.log.Info("vmconn: logged in", "addr", c.addr, "user", c.user, "auth", verdicts.auth, "took", time.Since(start))
	return startConn(sc, &c.cfg, c.log), nil
}

// connect makes the TCP connection. It returns it with a context that
// bounds it and the handshake to come by the connect timeout, counted
// from the connect that succeeded. With poll, a connect the server
// refuses (or that finds no route) is made again after poll's short
// wait, for up to the connect timeout in all: a refused connect costs
// sshd nothing and is not a login attempt.
func (c *Client) connect(ctx context.Context, poll *backoff.Backoff) (net.Conn, context.Context, context.CancelFunc, error) {
	dialTCP := c.cfg.DialContext
	if dialTCP == nil {
		dialTCP = (&net.Dialer{}).DialContext
	}
	polling, stop := withTimeout(ctx, "connect timeout", c.cfg.connectTimeout())
	defer stop()
	var refused error // the host's last refusal while polling
	for {
		actx, cancel := withTimeout(ctx, "connect timeout", c.cfg.connectTimeout())
		nc, err := dialTCP(actx, "tcp", c.addr)
		if err == nil {
			return nc, actx, cancel, nil
		}
		err = classifyDialError(actx, err)
		cancel()
		if refused != nil && ctx.Err() != nil {
			// The caller's time (a reconnection's) ran out during a connect:
			// what the host last answered says more than that.
			return nil, nil, nil, refused
		}
		if poll == nil || !noServer(err) {
			return nil, nil, nil, err
		}
		refused = err
		if poll.WaitPoll(polling) != nil {
			return nil, nil, nil, err
		}
	}
}

// handshakeVerdicts are what one handshake's callbacks learn: the host
// key check's verdict, and the authentication method tried last (once
// the handshake has succeeded, the one that logged in).
type handshakeVerdicts struct {
	hostKeyErr error
	auth       string
}

// sshConfig prepares the x/crypto config. v receives the handshake's
// verdicts; agentConn must be closed after the handshake.
func (c *Client) sshConfig() (cfg *ssh.ClientConfig, v *handshakeVerdicts, agentConn io.Closer, err error) {
	check, algos, err := hostKeyChecker(&c.cfg, c.addr)
	if err != nil {
		return nil, nil, nil, err
	}
	v = &handshakeVerdicts{}
	methods, agentConn, err := authMethods(&c.cfg, c.log, func(m string) { v.auth = m })
	if err != nil {
		return nil, nil, nil, err
	}
	cfg = &ssh.ClientConfig{
		User: c.user,
		Auth: methods,
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			v.hostKeyErr = check(host, remote, key)
			c.logHostKey(key, v.hostKeyErr)
			return v.hostKeyErr
		},
		HostKeyAlgorithms: algos,
		ClientVersion:     c.cfg.ClientVersion,
	}
	return cfg, v, agentConn, nil
}

// handshakeWith runs the SSH handshake on nc, closing nc if ctx ends
// first (ssh.NewClientConn cannot be cancelled by itself).
func (c *Client) handshakeWith(ctx context.Context, nc net.Conn, sshCfg *ssh.ClientConfig, v *handshakeVerdicts) (*ssh.Client, error) {
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	scc, chans, reqs, err := ssh.NewClientConn(nc, c.addr, sshCfg)
	if !stop() || (err != nil && ctxEnded(ctx, err)) {
		if err == nil {
			scc.Close()
		}
		return nil, contextError(ctx, err)
	}
	if err != nil {
		nc.Close()
		return nil, classifyHandshakeError(err, v.hostKeyErr)
	}
	_ = nc.SetDeadline(time.Time{})
	return ssh.NewClient(scc, chans, reqs), nil
}

// classifyDialError maps a TCP dial error onto the sentinels.
func classifyDialError(ctx context.Context, err error) error {
	if ctxEnded(ctx, err) {
		return contextError(ctx, err)
	}
	if classifiedError(err) { // a jump host's own failure (auth, host key, ...)
		return err
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsTimeout:
		return classed(ErrTimeout, err)
	case errors.As(err, &dnsErr):
		return classed(ErrUnreachable, err)
	case isTimeout(err):
		return classed(ErrTimeout, err)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL),
		errors.Is(err, syscall.ECONNRESET):
		return classed(ErrUnreachable, err)
	}
	return classed(ErrUnreachable, err)
}

// noServer reports a TCP connect that failed without reaching a server:
// refused (no listener: sshd is down), or no route to the host. Such a
// connect costs sshd nothing, so it may be tried again soon.
func noServer(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH)
}

// classifiedError reports an error that already wraps one of vmconn's
// sentinels, as a Config.DialContext through a jump host returns.
func classifiedError(err error) bool {
	var s *sentinel
	return errors.As(err, &s)
}

func classifyHandshakeError(err, hostKeyErr error) error {
	switch {
	case hostKeyErr != nil:
		return hostKeyErr
	case strings.Contains(err.Error(), "unable to authenticate"),
		// x/crypto's keyboard-interactive reports a server that refuses it
		// at once (sshd without PAM, after a wrong password) this way.
		strings.Contains(err.Error(), "unexpected message type 51 (expected 60)"),
		// OpenSSH's MaxAuthTries: "ssh: disconnect, reason 2: Too many
		// authentication failures" (many keys in an agent, say).
		strings.Contains(strings.ToLower(err.Error()), "too many authentication failures"):
		return classed(ErrAuth, err)
	case isTimeout(err):
		return classed(ErrTimeout, err)
	}
	return classed(ErrHandshake, err)
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func (c *Client) opError(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return errorf("%s %s: %w", op, c.addr, err)
	}
	return &OpError{Op: op, Addr: c.addr, Err: err}
}

// loginName picks the user: Config.User, then the address's, then the
// local user.
func loginName(cfg *Config, t Target) string {
	if cfg.User != "" {
		return cfg.User
	}
	if t.User != "" {
		return t.User
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}
