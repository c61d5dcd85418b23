//go:build !linux

package vmconn

import "net"

// quickAck is a no-op: TCP_QUICKACK is Linux's.
func quickAck(tc *net.TCPConn) net.Conn { return tc }
