package alive

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
	"golang.org/x/crypto/ssh"
)

// trivialCommand is what an SSH probe runs to prove the host operational.
const trivialCommand = "true"

// sshProbe checks the SSH layer: over c's open connection first when c
// is not nil, else by logging in. Its TCP connect, if it makes one, is
// reported to n.
func (s *settings) sshProbe(t vmconn.Target, ip netip.Addr, c *vmconn.Client, n *sshConnect) probe {
	p := probe{layer: LayerSSH, target: "ssh/" + strconv.Itoa(s.sshPort)}
	if s.noSSH {
		return p
	}
	p.run = func(ctx context.Context) LayerResult {
		defer n.set(errNoConnect) // when no connect was made
		if c != nil {
			return s.keepaliveThenDial(ctx, c, t, ip, n)
		}
		return s.dialSSH(ctx, t, ip, n)
	}
	return p
}

// keepaliveThenDial sends a keepalive over c's connection, allowing it
// half the timeout, and logs in anew only when that gets no answer. It
// never makes c reconnect.
func (s *settings) keepaliveThenDial(ctx context.Context, c *vmconn.Client, t vmconn.Target, ip netip.Addr, n *sshConnect) LayerResult {
	kctx, cancel := context.WithTimeout(ctx, s.timeout/2)
	rtt, err := c.Keepalive(kctx)
	cancel()
	if err == nil {
		return LayerResult{Outcome: Answered, Detail: fmt.Sprintf("keepalive answered in %v on the open connection", rtt)}
	}
	s.log.Debug("vmconn: alive: open connection did not answer, logging in", "addr", c.Addr(), "err", err)
	if ctx.Err() != nil {
		return ctxResult(ctx, context.Cause(ctx))
	}
	return s.dialSSH(ctx, t, ip, n)
}

// sshTarget is t at the SSH port: the host named as the user wrote it,
// which known_hosts is checked against.
func (s *settings) sshTarget(t vmconn.Target) vmconn.Target {
	t.Port = s.sshPort
	return t
}

// dialSSH connects to ip, logs in and runs a trivial command. The login
// is vmconn.Dial to the host as written (known_hosts names it so), with a
// DialContext that connects to ip, notes the server's banner and reports
// the connect to n. A connect that succeeds always goes on into the login.
func (s *settings) dialSSH(ctx context.Context, t vmconn.Target, ip netip.Addr, n *sshConnect) LayerResult {
	d := &ipDialer{addr: netip.AddrPortFrom(ip, uint16(s.sshPort)).String(), dial: s.cfg.DialContext, note: n}
	cfg := loginConfig(s.cfg, s.timeout)
	cfg.DialContext = d.dialContext
	c, err := vmconn.Dial(ctx, s.sshTarget(t).String(), cfg)
	switch {
	case err == nil:
		return runTrivial(ctx, c)
	case d.err != nil:
		return tcpConnectResult(ctx, d.err)
	}
	return handshakeResult(ctx, opCause(err), d.banner())
}

// loginConfig is cfg for one short login: no connect timeout of its own
// (the verdict's bounds it), no keepalives, no reconnection, no events.
func loginConfig(cfg *vmconn.Config, timeout time.Duration) *vmconn.Config {
	c := *cfg
	c.ConnectTimeout = timeout
	c.KeepaliveInterval, c.ReconnectTimeout = -1, -1
	c.OnEvent = nil
	return &c
}

// checkConfig reports bad SSH settings (unusable key files, unreadable
// known_hosts), a vmconn.ErrConfig error, before any probe is sent.
// vmconn.Dial reads them before it connects: a Dial whose DialContext
// fails at once reads them and sends nothing.
func checkConfig(ctx context.Context, cfg *vmconn.Config, t vmconn.Target) error {
	c := loginConfig(cfg, DefaultTimeout)
	c.DialContext = func(context.Context, string, string) (net.Conn, error) { return nil, errSettingsRead }
	if _, err := vmconn.Dial(ctx, t.String(), c); errors.Is(err, vmconn.ErrConfig) {
		return err
	}
	return nil
}

// errSettingsRead ends checkConfig's Dial once the settings were read.
var errSettingsRead = errors.New("settings read, nothing sent")

// opCause returns the error a *vmconn.OpError from vmconn.Dial wraps (the
// handshake's classified error), else err.
func opCause(err error) error {
	if op, ok := err.(*vmconn.OpError); ok {
		return op.Err
	}
	return err
}

// handshakeResult classifies a failed SSH handshake. Once the server sent
// its banner, sshd is known to run: the SSH layer answered.
func handshakeResult(ctx context.Context, err error, banner string) LayerResult {
	r := LayerResult{Err: err}
	switch {
	case errors.Is(err, vmconn.ErrAuth):
		r.Outcome, r.Detail = AuthFailed, "authentication failed"
	case errors.Is(err, vmconn.ErrHostKeyUnknown):
		r.Outcome, r.Detail = AuthFailed, "host key unknown"
	case errors.Is(err, vmconn.ErrHostKeyChanged):
		r.Outcome, r.Detail = AuthFailed, "host key changed"
	case errors.Is(ctx.Err(), context.Canceled):
		return ctxResult(ctx, err)
	case banner != "" && (errors.Is(err, vmconn.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)):
		r.Outcome, r.Detail = Degraded, banner+", then the handshake stalled"
	case banner != "":
		r.Outcome, r.Detail = Degraded, banner+", then the handshake failed"
	case errors.Is(err, vmconn.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		r.Outcome, r.Detail = TimedOut, "connected, but no SSH banner"
	default:
		r.Outcome, r.Detail = Failed, "connected, but not an SSH server"
	}
	return r
}

// runTrivial runs trivialCommand in a session of c, closing c when done
// or when ctx ends.
func runTrivial(ctx context.Context, c *vmconn.Client) LayerResult {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer func() {
		stop()
		c.Close() // waits for the connection's goroutines
	}()
	err := runSession(c)
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return LayerResult{Outcome: Answered, Detail: "logged in and ran " + trivialCommand}
	case errors.As(err, &ee):
		return LayerResult{Outcome: Answered, Detail: fmt.Sprintf("logged in; %s exited %d", trivialCommand, ee.ExitStatus())}
	case errors.Is(ctx.Err(), context.Canceled):
		return ctxResult(ctx, err)
	case ctx.Err() != nil:
		return LayerResult{Outcome: Degraded, Detail: "logged in, but " + trivialCommand + " did not finish", Err: errutil.Classed(vmconn.ErrTimeout, err)}
	}
	return LayerResult{Outcome: Degraded, Detail: "logged in, but could not run " + trivialCommand, Err: err}
}

// runSession runs trivialCommand as it is, in a plain session: the probe
// must not depend on the remote shell or on anything vmconn.Cmd adds.
func runSession(c *vmconn.Client) error {
	sc := c.SSH()
	if sc == nil { // closed already: ctx ended
		return c.Err()
	}
	sess, err := sc.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	return sess.Run(trivialCommand)
}

// ipDialer makes the login's connection to the resolved address, whatever
// address vmconn.Dial asks for, and keeps the first bytes the server
// sends. vmconn.Dial calls it once, before it returns.
type ipDialer struct {
	addr string // ip:port
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	err  error // why the connect failed, if it did
	conn *bannerConn
	note *sshConnect // told the connect's outcome
}

func (d *ipDialer) dialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	dial := d.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, network, d.addr)
	d.note.set(err)
	if err != nil {
		d.err = err
		return nil, err
	}
	d.conn = &bannerConn{Conn: nc}
	return d.conn, nil
}

// banner returns the server's "SSH-..." line, or "" if none arrived.
func (d *ipDialer) banner() string {
	if d.conn == nil {
		return ""
	}
	return d.conn.banner()
}
