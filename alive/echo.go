package alive

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// echo sends ICMP echo requests to ip, one every pingInterval, until a
// reply to one of them arrives (got, with the round trip from the request
// it answers), ctx ends, or deadline passes (neither got nor an error).
// The error is the socket's or the send's: EPERM for a socket this
// process may not open, EHOSTUNREACH for a route that does not exist.
//
// A reply counts only if it comes from ip, answers one of the sequence
// numbers sent, and carries this call's random payload back. A raw socket
// sees every ICMP packet of the host (other pings' replies, and on
// loopback our own requests), so the identifier must match too; on an
// unprivileged socket the kernel sets the identifier itself and delivers
// only that socket's replies.
func echo(ctx context.Context, ip netip.Addr, privileged bool, deadline time.Time) (rtt time.Duration, got bool, err error) {
	ip = ip.Unmap()
	network, listen, dst := echoEndpoint(ip, privileged)
	reqType, replyType, proto := icmp.Type(ipv4.ICMPTypeEcho), icmp.Type(ipv4.ICMPTypeEchoReply), 1
	if ip.Is6() {
		reqType, replyType, proto = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, 58
	}
	c, err := icmp.ListenPacket(network, listen)
	if err != nil {
		return 0, false, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()

	var token [16]byte
	_, _ = rand.Read(token[:])
	id := int(token[0])<<8 | int(token[1])
	sent := map[int]time.Time{}
	buf := make([]byte, 1500)
	for seq := 0; ; seq++ {
		req := icmp.Message{Type: reqType, Body: &icmp.Echo{ID: id, Seq: seq, Data: token[:]}}
		b, err := req.Marshal(nil) // ICMPv6: the kernel fills in the checksum
		if err != nil {
			return 0, false, err
		}
		sent[seq] = time.Now()
		if _, err := c.WriteTo(b, dst); err != nil {
			return 0, false, err
		}
		next := time.Now().Add(pingInterval)
		if next.After(deadline) {
			next = deadline
		}
		_ = c.SetReadDeadline(next)
		if ctx.Err() != nil { // ended before the line above: AfterFunc's deadline was overwritten
			_ = c.SetReadDeadline(time.Now())
		}
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) { // the next request is due, or ctx ended
					break
				}
				return 0, false, err
			}
			m, err := icmp.ParseMessage(proto, buf[:n])
			if err != nil || m.Type != replyType || !fromAddr(from, ip) {
				continue
			}
			e, ok := m.Body.(*icmp.Echo)
			if !ok || !bytes.Equal(e.Data, token[:]) || (privileged && e.ID != id) {
				continue
			}
			if at, ok := sent[e.Seq]; ok {
				return time.Since(at), true, nil
			}
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			return 0, false, ctx.Err()
		}
	}
}

// echoEndpoint returns the network and local address to listen on, and
// the destination address, for a raw or an unprivileged ICMP socket.
func echoEndpoint(ip netip.Addr, privileged bool) (network, listen string, dst net.Addr) {
	switch {
	case privileged && ip.Is4():
		return "ip4:icmp", "0.0.0.0", &net.IPAddr{IP: ip.AsSlice()}
	case privileged:
		return "ip6:ipv6-icmp", "::", &net.IPAddr{IP: ip.AsSlice(), Zone: ip.Zone()}
	case ip.Is4():
		return "udp4", "0.0.0.0", &net.UDPAddr{IP: ip.AsSlice()}
	}
	return "udp6", "::", &net.UDPAddr{IP: ip.AsSlice(), Zone: ip.Zone()}
}

// fromAddr reports whether a reply's source is ip.
func fromAddr(from net.Addr, ip netip.Addr) bool {
	var a net.IP
	switch f := from.(type) {
	case *net.IPAddr:
		a = f.IP
	case *net.UDPAddr:
		a = f.IP
	default:
		return false
	}
	got, ok := netip.AddrFromSlice(a)
	return ok && got.Unmap() == ip.WithZone("")
}
