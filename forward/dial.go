package forward

import (
	"context"
	"fmt"
	"net"

	"github.com/vmconn/vmconn"
)

// dial opens a connection from the remote side to addr, waiting for the
// client to reconnect if needed, up to the connect timeout. It also
// returns the channel closed when the connection it went through ends.
func (f *Forward) dial(ctx context.Context, addr string) (net.Conn, <-chan struct{}, error) {
	ctx, cancel := context.WithTimeout(ctx, f.connectTimeout())
	defer cancel()
	if err := f.c.Reconnect(ctx); err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	sc, done := f.link()
	if sc == nil {
		return nil, nil, fmt.Errorf("dial %s: %w", addr, vmconn.ErrClosed)
	}
	conn, err := sc.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return conn, done, nil
}
