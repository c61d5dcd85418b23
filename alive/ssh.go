package vmconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// trivialCommand is what an SSH probe runs to prove the host operational.
const trivialCommand = "true"

// sshProbe checks the SSH layer: over c's open connection first when c
// is not nil, else by logging in.
func (s *aliveSettings) sshProbe(t Target, ip netip.Addr, c *Client) aliveProbe {
	p := aliveProbe{layer: LayerSSH, target: "ssh/" + strconv.Itoa(s.sshPort)}
	switch {
	case s.noSSH:
	case c != nil:
		p.run = func(ctx context.Context) LayerResult { return s.keepaliveThenDial(ctx, c, t, ip) }
	default:
		p.run = func(ctx context.Context) LayerResult { return s.dialSSH(ctx, t, ip) }
	}
	return p
}

// keepaliveThenDial sends a keepalive over c's connection, allowing it
// half the timeout, and logs in anew only when that gets no answer. It
// never makes c reconnect.
func (s *aliveSettings) keepaliveThenDial(ctx context.Context, c *Client, t Target, ip netip.Addr) LayerResult {
	kctx, cancel := context.WithTimeout(ctx, s.timeout/2)
	rtt, err := c.keepaliveOnce(kctx)
	cancel()
	if err == nil {
		return LayerResult{Outcome: Answered, Detail: fmt.Sprintf("keepalive answered in %v on the open connection", rtt)}
	}
	s.log.Debug("vmconn: alive: open connection did not answer, logging in", "addr", c.addr, "err", err)
	if ctx.Err() != nil {
		return aliveCtxResult(ctx, err)
	}
	return s.dialSSH(ctx, t, ip)
}

// keepaliveOnce makes one keepalive round trip on the current connection,
// without reconnecting when it is lost (unlike Ping).
func (c *Client) keepaliveOnce(ctx context.Context) (time.Duration, error) {
	cn, err := c.current()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	select {
	case err := <-cn.sendKeepalive(): // the sender ends with the connection at the latest
		if err != nil {
			return 0, classed(ErrConnLost, err)
		}
		return time.Since(start), nil
	case <-cn.done:
		return 0, cn.err
	case <-ctx.Done():
		return 0, contextError(ctx, nil)
	}
}

// dialSSH connects to ip, logs in and runs a trivial command.
func (s *aliveSettings) dialSSH(ctx context.Context, t Target, ip netip.Addr) LayerResult {
	t.Port = s.sshPort
	c := newClient(t, s.cfg) // names the host as the user wrote it, for known_hosts
	addr := netip.AddrPortFrom(ip, uint16(s.sshPort)).String()
	dial := s.cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", addr)
	if err != nil {
		return tcpConnectResult(ctx, err)
	}
	bc := &bannerConn{Conn: nc}
	sc, err := c.handshake(ctx, bc)
	if err != nil {
		return handshakeResult(ctx, err, bc.banner())
	}
	return runTrivial(ctx, sc)
}

// handshakeResult classifies a failed SSH handshake. Once the server sent
// its banner, sshd is known to run: the SSH layer answered.
func handshakeResult(ctx context.Context, err error, banner string) LayerResult {
	r := LayerResult{Err: err}
	switch {
	case errors.Is(err, ErrAuth):
		r.Outcome, r.Detail = AuthFailed, "authentication failed"
	case errors.Is(err, ErrHostKeyUnknown):
		r.Outcome, r.Detail = AuthFailed, "host key unknown"
	case errors.Is(err, ErrHostKeyChanged):
		r.Outcome, r.Detail = AuthFailed, "host key changed"
	case errors.Is(ctx.Err(), context.Canceled):
		return aliveCtxResult(ctx, err)
	case banner != "" && (errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded)):
		r.Outcome, r.Detail = Degraded, banner+", then the handshake stalled"
	case banner != "":
		r.Outcome, r.Detail = Degraded, banner+", then the handshake failed"
	case errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		r.Outcome, r.Detail = TimedOut, "connected, but no SSH banner"
	default:
		r.Outcome, r.Detail = Failed, "connected, but not an SSH server"
	}
	return r
}

// runTrivial runs trivialCommand in a session, closing the connection
// when done or when ctx ends.
func runTrivial(ctx context.Context, sc *ssh.Client) LayerResult {
	stop := context.AfterFunc(ctx, func() { sc.Close() })
	defer func() {
		stop()
		sc.Close()
		_ = sc.Wait() // the connection's goroutines have ended
	}()
	sess, err := sc.NewSession()
	if err == nil {
		err = sess.Run(trivialCommand)
		sess.Close()
	}
	var ee *ssh.ExitError
	switch {
	case err == nil:
		return LayerResult{Outcome: Answered, Detail: "logged in and ran " + trivialCommand}
	case errors.As(err, &ee):
		return LayerResult{Outcome: Answered, Detail: fmt.Sprintf("logged in; %s exited %d", trivialCommand, ee.ExitStatus())}
	case errors.Is(ctx.Err(), context.Canceled):
		return aliveCtxResult(ctx, err)
	case ctx.Err() != nil:
		return LayerResult{Outcome: Degraded, Detail: "logged in, but " + trivialCommand + " did not finish", Err: classed(ErrTimeout, err)}
	}
	return LayerResult{Outcome: Degraded, Detail: "logged in, but could not run " + trivialCommand, Err: err}
}

// bannerConn remembers the first bytes the server sent, to tell an SSH
// server that answered from a port that stayed silent.
type bannerConn struct {
	net.Conn
	mu   sync.Mutex
	head []byte
}

const bannerMax = 512

func (c *bannerConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	if room := bannerMax - len(c.head); room > 0 {
		c.head = append(c.head, p[:min(n, room)]...)
	}
	c.mu.Unlock()
	return n, err
}

// banner returns the server's "SSH-..." line, or "" if none arrived.
func (c *bannerConn) banner() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for line := range bytes.Lines(c.head) {
		if bytes.HasPrefix(line, []byte("SSH-")) {
			return string(bytes.TrimRight(line, "\r\n"))
		}
	}
	return ""
}
