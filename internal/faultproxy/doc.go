// Package faultproxy is a TCP proxy on loopback that cuts, refuses and
// stalls connections on demand, to put link faults between a client and a
// real server (vmtest, sshd) in tests.
//
// A Proxy listens on 127.0.0.1 and forwards every connection it accepts to
// its target. Cut ends every open connection at once, as a reset link
// would: the peers see a connection reset and the bytes in flight are
// lost. CutAfter cuts each new connection after a number of forwarded
// bytes that a function picks, so that cuts land at any point of a
// protocol: in the handshake, in the middle of a packet. Refuse makes the
// proxy accept and at once close new connections (the link is down),
// and Stall holds every byte in both directions without closing anything
// (a black-holed link).
//
// All methods are safe for concurrent use. Close stops the proxy, cuts
// every connection and waits for every goroutine it started.
package faultproxy
