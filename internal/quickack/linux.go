//go:build linux

package quickack

import (
	"net"
	"sync/atomic"
	"syscall"
)

// conn re-arms TCP_QUICKACK after each read until its budget of
// bytes is spent. It embeds net.Conn, not *net.TCPConn, so that io.Copy
// cannot bypass its Read through TCPConn.WriteTo.
type conn struct {
	net.Conn
	rc   syscall.RawConn
	left atomic.Int64 // bytes still to read with quick ACKs
}

func wrap(tc *net.TCPConn) net.Conn {
	rc, err := tc.SyscallConn()
	if err != nil {
		return tc
	}
	c := &conn{Conn: tc, rc: rc}
	c.left.Store(budget)
	c.arm()
	return c
}

// Read reads, then sends the ACK the kernel would delay and keeps the
// socket out of delayed-ACK mode for the next data.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.left.Load() > 0 {
		c.left.Add(-int64(n))
		c.arm()
	}
	return n, err
}

// arm sets TCP_QUICKACK. Errors (a closed socket) are ignored: the option
// only changes when ACKs are sent.
func (c *conn) arm() {
	_ = c.rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
