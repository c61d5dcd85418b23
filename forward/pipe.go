package forward

import (
	"context"
	"io"
	"net"

	"golang.org/x/crypto/ssh"
)

// pipe copies between the local connection and the remote one, which
// runs over sc, until both directions end. If the link ends (done), or
// the forward closes (ctx), the local connection is reset, so that its
// user sees an error rather than a clean end or a hang.
func pipe(ctx context.Context, local, remote net.Conn, sc *ssh.Client, done <-chan struct{}) {
	stop := watch(ctx, local, done)
	defer stop()
	defer remote.Close()
	defer local.Close()
	copied := make(chan struct{}, 2)
	go copyHalf(remote, local, copied)
	go func() {
		_, err := io.Copy(local, remote)
		if err == nil && linkAlive(ctx, sc, done) {
			closeWrite(local)
		} else {
			reset(local) // the channel ended because the link did
		}
		copied <- struct{}{}
	}()
	<-copied
	<-copied
}

// linkAlive tells a remote end of stream from a lost link (both look
// like EOF on the channel) by a request on sc, which fails at once on a
// dead connection.
func linkAlive(ctx context.Context, sc *ssh.Client, done <-chan struct{}) bool {
	reply := make(chan error, 1)
	go func() {
		_, _, err := sc.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	select {
	case err := <-reply:
		return err == nil
	case <-done:
		return false
	case <-ctx.Done():
		return false
	}
}

// closeWrite ends c's stream for writing, as a FIN.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.Close()
}

// copyHalf copies src to dst, then closes dst for writing.
func copyHalf(dst, src net.Conn, copied chan<- struct{}) {
	_, err := io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok && err == nil {
		cw.CloseWrite()
	} else {
		dst.Close()
		src.Close()
	}
	copied <- struct{}{}
}

// watch resets local when the link ends or ctx is done, until stop.
func watch(ctx context.Context, local net.Conn, done <-chan struct{}) (stop func()) {
	quit, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		select {
		case <-quit:
		case <-done:
			reset(local)
		case <-ctx.Done():
			reset(local)
		}
	}()
	return func() { close(quit); <-ended }
}

// reset closes c so that its peer sees a connection reset (RST), not a
// clean end of the stream.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
