package vmconn

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
)

// JumpHost is one hop on the way to a machine, like one entry of ssh -J.
type JumpHost struct {
	// Addr is the hop, "[user@]host[:port]".
	Addr string

	// Config says how to log in to the hop and check its host key. Nil
	// means the target's Config less what belongs to the target alone:
	// User, Port, Password, HostKeyCallback, OnEvent and DialContext.
	Config *Config
}

// dialFunc is the type of Config.DialContext.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// DialVia connects to addr through the jump hosts, first hop first, as
// ssh -J does: it logs in to each hop (checking its host key against
// known_hosts under the hop's own name), opens a TCP forwarding channel
// from it to the next, and runs the target's SSH handshake through the
// last. The whole chain is bounded by ctx and cfg.ConnectTimeout.
//
// The hops live as long as the connection they carry: the chain is
// rebuilt for every reconnection, so reconnecting, Reboot and the reboot
// guard work through jump hosts, and Client.Close closes the hops too.
// A hop that fails fails the dial with its own error (ErrAuth,
// ErrHostKeyChanged, ...) naming the hop. Without hops, DialVia is Dial.
func DialVia(ctx context.Context, addr string, cfg *Config, hops ...JumpHost) (*Client, error) {
	return Dial(ctx, addr, ViaJumpHosts(cfg, hops...))
}

// ViaJumpHosts returns a copy of cfg whose DialContext reaches the target
// through hops (see DialVia). cfg.DialContext, if set, makes the TCP
// connection to the first hop, unless that hop's Config has its own.
func ViaJumpHosts(cfg *Config, hops ...JumpHost) *Config {
	if cfg == nil {
		cfg = &Config{}
	}
	out := *cfg
	if len(hops) == 0 {
		return &out
	}
	dial := cfg.DialContext
	for i, h := range hops {
		hc := hopConfig(cfg)
		if h.Config != nil {
			c := *h.Config
			hc = &c
		}
		if i > 0 || hc.DialContext == nil {
			hc.DialContext = dial
		}
		hc.ReconnectTimeout = -1 // a lost hop is rebuilt with the chain
		dial = throughHop(h.Addr, hc)
	}
	out.DialContext = dial
	return &out
}

// hopConfig derives a hop's Config from the target's.
func hopConfig(target *Config) *Config {
	c := *target
	c.User, c.Port, c.Password = "", 0, ""
	c.HostKeyCallback, c.OnEvent, c.DialContext = nil, nil, nil
	return &c
}

// throughHop returns a dialer that logs in to hop and opens a channel
// from it to the address asked for. The returned connection owns the
// hop's client: closing it closes the hop.
func throughHop(hop string, cfg *Config) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := Dial(ctx, hop, cfg)
		if err != nil {
			return nil, errorf("jump host %s: %w", hop, err)
		}
		nc, err := c.forward(ctx, network, addr)
		if err != nil {
			c.Close()
			return nil, err
		}
		return &hopConn{Conn: nc, hop: c}, nil
	}
}

// forward opens a direct-tcpip channel to addr, bounded by ctx (the
// connection is closed if ctx ends first: x/crypto's Dial cannot be
// cancelled otherwise).
func (c *Client) forward(ctx context.Context, network, addr string) (net.Conn, error) {
	cn, err := c.live(ctx)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { cn.fail(classed(ErrConnLost, context.Cause(ctx))) })
	nc, err := cn.ssh.Dial(network, addr)
	if !stop() {
		if nc != nil {
			nc.Close()
		}
		return nil, c.opError("forward", contextError(ctx, err))
	}
	if err != nil {
		if !cn.alive() {
			return nil, c.opError("forward", cn.err)
		}
		return nil, fmt.Errorf("vmconn: jump host %s cannot reach %s: %w: %w", c.addr, addr, ErrUnreachable, err)
	}
	return nc, nil
}

// hopConn is a forwarded connection that closes its hop when closed.
type hopConn struct {
	net.Conn
	hop  *Client
	once sync.Once
}

// Close closes the channel, then the hop's connection, waiting for the
// hop's goroutines.
func (h *hopConn) Close() error {
	err := h.Conn.Close()
	h.once.Do(func() { h.hop.Close() })
	return err
}

// ParseJumpList parses a ProxyJump or ssh -J value: comma-separated
// "[user@]host[:port]" entries, each possibly written as an
// "ssh://[user@]host[:port]" URI. It returns the entries in
// "[user@]host[:port]" form, first hop first. Errors wrap ErrConfig.
func ParseJumpList(s string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		e = strings.TrimSuffix(strings.TrimPrefix(e, "ssh://"), "/")
		t, err := ParseTarget(e)
		if err != nil {
			return nil, errorf("jump host list %q: %w", s, err)
		}
		out = append(out, t.String())
	}
	return out, nil
}

// JumpConfig returns the Config that a JumpHost with a nil Config uses
// for target: a copy of target less what belongs to the target alone
// (User, Port, Password, HostKeyCallback, OnEvent and DialContext). Nil
// means the zero Config. Use it to derive a hop's Config and change a
// field or two, as package sshconfig does for ProxyJump hops.
func JumpConfig(target *Config) *Config {
	if target == nil {
		return &Config{}
	}
	return hopConfig(target)
}
