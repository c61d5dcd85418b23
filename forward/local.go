package forward

import (
	"context"
	"fmt"
	"net"

	"github.com/vmconn/vmconn"
)

// Local starts a local forward (ssh -L bind:target): it listens on bind
// (host:port; port 0 picks a free one) and sends each connection through
// c to target (host:port, resolved and dialled on the remote side). A
// bind address already in use is an error at once.
func Local(ctx context.Context, c *vmconn.Client, bind, target string, opts *Options) (*Forward, error) {
	f := newForward(c, KindLocal, bind, target, opts)
	if err := f.start(ctx, f.serveLocal); err != nil {
		return nil, err
	}
	return f, nil
}

// start listens on f.bind, checks the client has a connection, and runs
// the accept loop (handling each connection with handle) and the
// supervisor.
func (f *Forward) start(ctx context.Context, handle func(net.Conn)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", f.bind)
	if err != nil {
		f.cancel()
		return fmt.Errorf("vmconn: forward %s: %w", f.bind, err)
	}
	f.ln, f.addr = ln, ln.Addr().String()
	if err := f.c.Reconnect(ctx); err != nil {
		f.Close()
		return fmt.Errorf("vmconn: forward %s: %w", f.addr, err)
	}
	sc, done := f.link()
	f.goTracked(func() { f.accept(handle) })
	f.goTracked(func() { f.supervise(sc, done) })
	return nil
}

// accept hands each connection of the local listener to handle.
func (f *Forward) accept(handle func(net.Conn)) {
	for {
		conn, err := f.ln.Accept()
		if err != nil {
			return // closed
		}
		if !f.goTracked(func() { handle(conn) }) {
			conn.Close()
		}
	}
}

// serveLocal carries one local connection to the target.
func (f *Forward) serveLocal(conn net.Conn) {
	remote, sc, done, err := f.dial(f.ctx, f.target)
	if err != nil {
		reset(conn)
		return
	}
	pipe(f.ctx, conn, remote, sc, done)
}
