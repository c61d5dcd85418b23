package forward

import (
	"context"
	"fmt"
	"net"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// Remote starts a remote forward (ssh -R bind:target): the server listens
// on bind (host:port on the remote side, as an IP address or localhost;
// port 0 lets the server pick one, kept across reconnections) and each
// connection to it is carried to target (host:port dialled from here).
// A bind the server refuses is an error at once.
func Remote(ctx context.Context, c *vmconn.Client, bind, target string, opts *Options) (*Forward, error) {
	f := newForward(c, KindRemote, bind, target, opts)
	if err := c.Reconnect(ctx); err != nil {
		f.cancel()
		return nil, fmt.Errorf("vmconn: forward -R %s: %w", bind, err)
	}
	sc, done := f.link()
	if sc == nil {
		f.cancel()
		return nil, fmt.Errorf("vmconn: forward -R %s: %w", bind, vmconn.ErrClosed)
	}
	if err := f.listenRemote(sc, done, bind); err != nil {
		f.cancel()
		return nil, fmt.Errorf("vmconn: forward -R %s: %w", bind, err)
	}
	f.goTracked(func() { f.supervise(sc, done) })
	return f, nil
}

// listenRemote asks the server over sc to listen on bind and starts
// accepting its connections.
func (f *Forward) listenRemote(sc *ssh.Client, done <-chan struct{}, bind string) error {
	ln, err := sc.Listen("tcp", bind)
	if err != nil {
		return fmt.Errorf("remote listen %s: %w", bind, err)
	}
	f.mu.Lock()
	f.rln, f.addr = ln, ln.Addr().String()
	f.mu.Unlock()
	if !f.goTracked(func() { f.acceptRemote(ln, sc, done) }) {
		ln.Close()
		return ErrClosed
	}
	return nil
}

// acceptRemote carries each connection of the remote listener to the
// target; when the listener fails (the connection was lost), it tells
// the supervisor.
func (f *Forward) acceptRemote(ln net.Listener, sc *ssh.Client, done <-chan struct{}) {
	defer ln.Close()
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case f.lost <- struct{}{}:
			default:
			}
			return
		}
		if !f.goTracked(func() { f.serveRemote(conn, sc, done) }) {
			conn.Close()
		}
	}
}

// serveRemote carries one connection from the remote listener to the
// target.
func (f *Forward) serveRemote(remote net.Conn, sc *ssh.Client, done <-chan struct{}) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(f.ctx, f.connectTimeout())
	local, err := d.DialContext(ctx, "tcp", f.target)
	cancel()
	if err != nil {
		remote.Close()
		return
	}
	pipe(f.ctx, local, remote, sc, done)
}
