package alive

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/vmconn/vmconn"
)

// pingInterval is the time between echo requests, so that one lost
// packet does not decide the ICMP layer.
const pingInterval = 250 * time.Millisecond

// icmpProbe sends ICMP echo requests to ip until one is answered.
func (s *settings) icmpProbe(ip netip.Addr) probe {
	p := probe{layer: LayerICMP, target: "icmp"}
	if !s.noICMP {
		p.run = func(ctx context.Context) LayerResult { return icmpEcho(ctx, ip) }
	}
	return p
}

// icmpEcho tries a raw ICMP socket, then an unprivileged one (Linux allows
// those to the groups in net.ipv4.ping_group_range).
func icmpEcho(ctx context.Context, ip netip.Addr) LayerResult {
	r := pingWith(ctx, ip, true)
	if r.Outcome != NotPermitted {
		return r
	}
	r2 := pingWith(ctx, ip, false)
	if r2.Outcome != NotPermitted {
		return r2
	}
	r2.Detail = "neither raw nor unprivileged ICMP sockets are permitted to this process"
	r2.Err = errors.Join(r.Err, r2.Err)
	return r2
}

// pingWith pings over a raw (privileged) or unprivileged ICMP socket,
// an echo request every pingInterval, until a reply arrives or ctx ends
// (or DefaultTimeout passes, when ctx has no deadline). It is built on
// golang.org/x/net/icmp, the package pro-bing itself sends with: pro-bing's
// own package also holds an HTTP prober, and with it net/http, which cost
// every start of the CLI about 3 ms (see echo.go for what it does).
func pingWith(ctx context.Context, ip netip.Addr, privileged bool) LayerResult {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultTimeout)
	}
	if time.Until(deadline) <= 0 || ctx.Err() != nil {
		return ctxResult(ctx, ctx.Err())
	}
	rtt, got, err := echo(ctx, ip, privileged, deadline)
	return pingResult(ctx, err, got, rtt, privileged)
}

func pingResult(ctx context.Context, err error, got bool, rtt time.Duration, privileged bool) LayerResult {
	socket := "unprivileged socket"
	if privileged {
		socket = "raw socket"
	}
	switch {
	case got:
		return LayerResult{Outcome: Answered, Detail: fmt.Sprintf("echo reply in %v (%s)", rtt.Round(time.Microsecond), socket)}
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPROTONOSUPPORT):
		return LayerResult{Outcome: NotPermitted, Detail: socket + " not permitted", Err: err}
	case ctx.Err() != nil:
		return ctxResult(ctx, err)
	case err == nil:
		return LayerResult{Outcome: TimedOut, Detail: "no echo reply", Err: vmconn.ErrTimeout}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return LayerResult{Outcome: Unreachable, Detail: "unreachable", Err: err}
	}
	return LayerResult{Outcome: Failed, Detail: err.Error(), Err: err}
}
