// Package quickack speeds up SSH connection setup on Linux by
// acknowledging received data at once (TCP_QUICKACK) while the
// connection is young. vmconn.Dial wraps every TCP connection with Wrap;
// the benchmarks use it to compare with and without.
package quickack

import "net"

// budget is how many bytes a connection reads with TCP_QUICKACK
// re-armed after every read. It covers the SSH handshake, authentication
// and the first channel open (about 3 KiB against OpenSSH) with room for
// login banners and many offered keys; after it, reads cost no extra
// system call.
const budget = 64 << 10

// Wrap returns nc set to acknowledge received data at once, with
// no delayed ACK, during connection setup: on Linux, TCP_QUICKACK is set
// again after each read (the kernel clears it by itself) until
// budget bytes were read. Other connections (not a *net.TCPConn,
// or not on Linux) are returned unchanged, and so is a connection already
// returned by Wrap.
//
// Why: until its first session starts, OpenSSH's sshd writes with Nagle's
// algorithm on, so after authentication it holds the reply to the first
// channel open until the client acknowledges its previous small packet,
// which the client's kernel delays by 40 ms (Linux's minimum delayed ACK).
// On loopback that is half the time of a fresh connect, authenticate and
// run. Acknowledging at once removes the stall; nothing else changes on
// the wire.
func Wrap(nc net.Conn) net.Conn {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nc
	}
	return wrap(tc)
}
