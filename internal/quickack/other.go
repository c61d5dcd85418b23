//go:build !linux

package quickack

import "net"

// quickAck is a no-op: TCP_QUICKACK is Linux's.
func wrap(tc *net.TCPConn) net.Conn { return tc }
