package forward

import (
	"context"
	"io"
	"log"
	"net"

	"github.com/things-go/go-socks5"
	"github.com/vmconn/vmconn"
)

// Dynamic starts a dynamic forward (ssh -D bind): a SOCKS5 proxy on bind
// (host:port; port 0 picks a free one) whose CONNECT requests are dialled
// from the remote side through c. Names are resolved on the remote side,
// never here: a name that does not resolve there gets a SOCKS error
// (host unreachable). A bind address already in use is an error at once.
func Dynamic(ctx context.Context, c *vmconn.Client, bind string, opts *Options) (*Forward, error) {
	f := newForward(c, KindDynamic, bind, "", opts)
	if err := f.start(ctx, f.serveSOCKS); err != nil {
		return nil, err
	}
	return f, nil
}

// serveSOCKS serves one SOCKS5 client; its connections go through the
// SSH connection, and the client is reset if that connection ends.
func (f *Forward) serveSOCKS(conn net.Conn) {
	var stops []func()
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) {
		remote, _, done, err := f.dial(ctx, addr)
		if err == nil {
			stops = append(stops, watch(f.ctx, conn, done))
		}
		return remote, err
	}
	srv := socks5.NewServer(
		socks5.WithDial(dial),
		socks5.WithResolver(remoteResolver{}),
		socks5.WithGPool(pool{f}),
		socks5.WithLogger(socks5.NewLogger(log.New(io.Discard, "", 0))),
	)
	stop := watch(f.ctx, conn, nil)
	srv.ServeConn(conn)
	conn.Close()
	stop()
	for _, s := range stops {
		s()
	}
}

// remoteResolver leaves names as they are, for the remote side to
// resolve.
type remoteResolver struct{}

func (remoteResolver) Resolve(ctx context.Context, _ string) (context.Context, net.IP, error) {
	return ctx, nil, nil
}

// pool runs the SOCKS server's copiers as goroutines Close waits for.
type pool struct{ f *Forward }

func (p pool) Submit(fn func()) error {
	if !p.f.goTracked(fn) {
		return ErrClosed
	}
	return nil
}
