package forward

import (
	"context"
	"fmt"
	"net"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// dialAttempts bounds the retries of a dial whose connection turned out
// to be lost (a drop the client had not noticed yet).
const dialAttempts = 3

// dial opens a connection from the remote side to addr, waiting for the
// client to reconnect if needed, up to the connect timeout. It also
// returns the connection it went through and the channel closed when
// that ends.
func (f *Forward) dial(ctx context.Context, addr string) (net.Conn, *ssh.Client, <-chan struct{}, error) {
	ctx, cancel := context.WithTimeout(ctx, f.connectTimeout())
	defer cancel()
	var err error
	for range dialAttempts {
		var conn net.Conn
		var sc *ssh.Client
		var done <-chan struct{}
		if conn, sc, done, err = f.dialOnce(ctx, addr); err == nil {
			return conn, sc, done, nil
		}
		if !f.lostBy(sc, done) {
			break
		}
		select { // let the client notice, so that Reconnect replaces it
		case <-done:
		case <-ctx.Done():
			return nil, nil, nil, fmt.Errorf("dial %s: %w", addr, err)
		}
	}
	return nil, nil, nil, fmt.Errorf("dial %s: %w", addr, err)
}

// dialOnce dials addr over the current connection, after reconnecting
// the client if it knows the connection is lost.
func (f *Forward) dialOnce(ctx context.Context, addr string) (net.Conn, *ssh.Client, <-chan struct{}, error) {
	if err := f.c.Reconnect(ctx); err != nil {
		return nil, nil, nil, err
	}
	sc, done := f.link()
	if sc == nil {
		return nil, nil, nil, vmconn.ErrClosed
	}
	conn, err := sc.DialContext(ctx, "tcp", addr)
	return conn, sc, done, err
}

// lostBy reports whether a dial over sc failed because that connection
// is lost (so a dial over a new one may work), rather than because the
// remote side refused.
func (f *Forward) lostBy(sc *ssh.Client, done <-chan struct{}) bool {
	if sc == nil {
		return false
	}
	select {
	case <-done:
		return true
	default:
	}
	_, _, err := sc.SendRequest("keepalive@openssh.com", true, nil)
	return err != nil
}
