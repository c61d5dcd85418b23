//go:build !linux && !darwin && !freebsd

package control

import "net"

// peerUID cannot tell the peer's uid here: sharing is unsupported.
func peerUID(*net.UnixConn) (int, error) { return -1, ErrUnsupported }
