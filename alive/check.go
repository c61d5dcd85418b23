package vmconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// IsAlive asks the network whether host ("[user@]host[:port]", IPv6 as
// "[addr]:port" or bare) is alive, layer by layer, and says which layer
// answered. Without console access this is how a booting, hung or dead
// machine are told apart:
//
//   - SSH: an SSH login that runs a trivial command makes the host
//     operational; an SSH server that answers but rejects the login (or
//     whose host key does not verify) still proves the OS and sshd run.
//   - TCP: a completed connect or a refusal (a reset) on any of the ports
//     proves the network stack runs; only a timeout or an unreachable
//     host is no answer.
//   - ICMP: an echo reply, over a raw socket when this process may open
//     one, else over an unprivileged ICMP socket; when neither is allowed
//     the layer's outcome is NotPermitted. Firewalls often drop ICMP, so
//     its silence alone proves little.
//
// The host is alive if any layer answered. The layers are probed
// concurrently under one timeout (AliveOptions.Timeout, default 3s), so a
// dead host's verdict takes that timeout once, and an SSH answer returns
// at once: probes that can no longer change the verdict are cancelled
// (their outcome is Cancelled) and waited for before IsAlive returns. TCP
// ports still pending when TCP decided the verdict get 20ms more, so that
// ports answering about as fast are all reported. A host name is resolved
// once, within the timeout, and its first address (in the system's
// preference order, IPv4 or IPv6) is probed.
//
// IsAlive returns an error only for bad input (an ErrConfig error: a
// malformed host, a port out of range, a negative timeout, an unusable
// key file), for a name that does not resolve (an *OpError with Op
// "resolve" wrapping ErrUnreachable, or ErrTimeout when the lookup timed
// out), or when ctx is cancelled (with the partial result). A deadline on
// ctx shorter than the timeout just shortens it.
func IsAlive(ctx context.Context, host string, o *AliveOptions) (*AliveResult, error) {
	t, err := ParseTarget(host)
	if err != nil {
		return nil, err
	}
	s, err := o.settings(t)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, t, nil)
}

// IsAlive is like the package's IsAlive for the client's host, but the
// SSH layer first sends a keepalive request over the open connection
// (allowing it half the timeout); only when that gets no answer (or the
// connection is lost) does it log in anew, with the client's Config
// (o.Config is ignored). That login is closed at once: IsAlive never
// reconnects the client itself.
func (c *Client) IsAlive(ctx context.Context, o *AliveOptions) (*AliveResult, error) {
	if err := c.dialed(); err != nil {
		return nil, err
	}
	var opts AliveOptions
	if o != nil {
		opts = *o
	}
	opts.Config = &c.cfg
	if opts.Logger == nil {
		opts.Logger = c.log
	}
	s, err := opts.settings(c.target)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, c.target, c)
}

// run resolves the host and runs the probes.
func (s *aliveSettings) run(ctx context.Context, t Target, c *Client) (*AliveResult, error) {
	start := time.Now()
	if !s.noSSH && c == nil {
		if err := checkSSHConfig(s.cfg, t.hostPort(s.sshPort)); err != nil {
			return nil, err
		}
	}
	tctx, cancel := withTimeout(ctx, "alive timeout", s.timeout)
	defer cancel()
	ip, err := aliveResolve(tctx, t.Host)
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

// checkSSHConfig reports bad SSH settings (unusable key files, unreadable
// known_hosts) before any probe is sent.
func checkSSHConfig(cfg *Config, addr string) error {
	if _, err := identities(cfg, cfg.logger()); err != nil {
		return err
	}
	_, _, err := hostKeyChecker(cfg, addr)
	return err
}

// aliveResolve returns host's address: the literal itself, or the first
// address the resolver prefers.
func aliveResolve(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap(), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	if err != nil {
		class := ErrUnreachable
		if isTimeout(err) || ctx.Err() != nil {
			class = ErrTimeout
		}
		return netip.Addr{}, &OpError{Op: "resolve", Addr: host, Err: classed(class, err)}
	}
	return ips[0].Unmap(), nil
}

// probes lists the probes for one host: SSH, each TCP port, ICMP.
func (s *aliveSettings) probes(t Target, ip netip.Addr, c *Client) []aliveProbe {
	ps := []aliveProbe{s.sshProbe(t, ip, c)}
	for _, port := range s.ports {
		ps = append(ps, tcpProbe(ip, port))
	}
	return append(ps, s.icmpProbe(ip))
}
