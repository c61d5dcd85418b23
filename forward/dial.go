package forward

import (
	"context"
	"fmt"
	"net"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// dial opens a connection from the remote side to addr, waiting for the
// client to reconnect if needed, up to the connect timeout. It also
// returns the connection it went through and the channel closed when
// that ends.
func (f *Forward) dial(ctx context.Context, addr string) (net.Conn, *ssh.Client, <-chan struct{}, error) {
	ctx, cancel := context.WithTimeout(ctx, f.connectTimeout())
	defer cancel()
	if err := f.c.Reconnect(ctx); err != nil {
		return nil, nil, nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	sc, done := f.link()
	if sc == nil {
		return nil, nil, nil, fmt.Errorf("dial %s: %w", addr, vmconn.ErrClosed)
	}
	conn, err := sc.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return conn, sc, done, nil
}
