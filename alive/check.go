package alive

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// Check asks the network whether host ("[user@]host[:port]", IPv6 as
// "[addr]:port" or bare) is alive, layer by layer, and says which layer
// answered. Without console access this is how a booting, hung or dead
// machine are told apart:
//
//   - SSH: an SSH login that runs a trivial command makes the host
//     operational; an SSH server that answers but rejects the login (or
//     whose host key does not verify) still proves the OS and sshd run.
//   - TCP: a completed connect or a refusal (a reset) on any of the ports
//     proves the network stack runs; only a timeout or an unreachable
//     host is no answer. The SSH port's result is that of the SSH
//     probe's connect: no connection to sshd is opened only to be
//     dropped (see "Kind to sshd" in the package docs).
//   - ICMP: an echo reply, over a raw socket when this process may open
//     one, else over an unprivileged ICMP socket; when neither is allowed
//     the layer's outcome is NotPermitted. Firewalls often drop ICMP, so
//     its silence alone proves little.
//
// The host is alive if any layer answered. The layers are probed
// concurrently under one timeout (Options.Timeout, default 3s), so a
// dead host's verdict takes that timeout once, and an SSH answer returns
// at once: probes that can no longer change the verdict are cancelled
// (their outcome is Cancelled) and waited for before Check returns. TCP
// ports still pending when TCP decided the verdict get 20ms more, so that
// ports answering about as fast are all reported. A host name is resolved
// once, within the timeout, and its first address (in the system's
// preference order, IPv4 or IPv6) is probed; the SSH login still names
// the host as written, for known_hosts.
//
// Check returns an error only for bad input (a vmconn.ErrConfig error: a
// malformed host, a port out of range, a negative timeout, an unusable
// key file), for a name that does not resolve (a *vmconn.OpError with Op
// "resolve" wrapping vmconn.ErrUnreachable, or vmconn.ErrTimeout when the
// lookup timed out), or when ctx is cancelled (with the partial result).
// A deadline on ctx shorter than the timeout just shortens it.
func Check(ctx context.Context, host string, o *Options) (*Result, error) {
	t, err := vmconn.ParseTarget(host)
	if err != nil {
		return nil, err
	}
	s, err := o.settings(t)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, t, nil)
}

// CheckClient is like Check for c's host, but the SSH layer first sends
// a keepalive request over c's open connection (allowing it half the
// timeout); only when that gets no answer (or the connection is lost)
// does it log in anew, with c's Config (o.Config is ignored). That login
// is closed at once: CheckClient never reconnects c itself. A Client not
// made by vmconn.Dial is a vmconn.ErrConfig error.
func CheckClient(ctx context.Context, c *vmconn.Client, o *Options) (*Result, error) {
	if err := c.Err(); errors.Is(err, vmconn.ErrConfig) {
		return nil, err
	}
	t, err := vmconn.ParseTarget(c.Addr())
	if err != nil {
		return nil, err
	}
	var opts Options
	if o != nil {
		opts = *o
	}
	opts.Config = c.Config()
	opts.Config.User = c.User()
	s, err := opts.settings(t)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, t, c)
}

// run resolves the host and runs the probes.
func (s *settings) run(ctx context.Context, t vmconn.Target, c *vmconn.Client) (*Result, error) {
	start := time.Now()
	if !s.noSSH && c == nil {
		if err := checkConfig(ctx, s.cfg, s.sshTarget(t)); err != nil {
			return nil, err
		}
	}
	tctx, cancel := context.WithTimeoutCause(ctx, s.timeout, &timeoutError{s.timeout})
	defer cancel()
	ip, err := resolve(tctx, t.Host)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("vmconn: alive %s: %w", t.Host, ctx.Err())
		}
		return nil, err
	}
	res := runProbes(tctx, s.probes(t, ip, c))
	res.Addr = ip.String()
	res.Elapsed = time.Since(start)
	s.log.Debug("vmconn: alive verdict", "host", t.Host, "addr", res.Addr, "verdict", res.String(), "took", res.Elapsed)
	if errors.Is(ctx.Err(), context.Canceled) {
		return res, fmt.Errorf("vmconn: alive %s: %w", t.Host, ctx.Err())
	}
	return res, nil
}

// timeoutError ends the context of one verdict at Options.Timeout. It
// wraps vmconn.ErrTimeout, and is also a context.DeadlineExceeded, so
// that the core reports a login it stopped as this timeout, "alive
// timeout (3s)", as it does its own timeouts.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return fmt.Sprintf("alive timeout (%v)", e.d) }

// Unwrap returns vmconn.ErrTimeout.
func (e *timeoutError) Unwrap() error { return vmconn.ErrTimeout }

// Is reports whether target is context.DeadlineExceeded.
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true, as net errors do for a timeout.
func (e *timeoutError) Timeout() bool { return true }

// resolve returns host's address: the literal itself, or the first
// address the resolver prefers.
func resolve(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap(), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	if err != nil {
		class := vmconn.ErrUnreachable
		if errutil.IsTimeout(err) || ctx.Err() != nil {
			class = vmconn.ErrTimeout
		}
		return netip.Addr{}, &vmconn.OpError{Op: "resolve", Addr: host, Err: errutil.Classed(class, err)}
	}
	return ips[0].Unmap(), nil
}

// probes lists the probes for one host: SSH, each TCP port, ICMP.
// The TCP probe of the SSH port reuses the SSH probe's connect (see
// sshConnect) when SSH is probed.
func (s *settings) probes(t vmconn.Target, ip netip.Addr, c *vmconn.Client) []probe {
	var n *sshConnect
	if !s.noSSH {
		n = newSSHConnect()
	}
	ps := []probe{s.sshProbe(t, ip, c, n)}
	for _, port := range s.ports {
		ps = append(ps, s.portProbe(ip, port, n))
	}
	return append(ps, s.icmpProbe(ip))
}
