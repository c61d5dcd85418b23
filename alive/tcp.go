package alive

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// tcpProbe connects to ip:port. A completed connect is Answered and a
// reset is Refused: both prove the host's network stack runs.
func tcpProbe(ip netip.Addr, port int) probe {
	addr := netip.AddrPortFrom(ip, uint16(port)).String()
	return probe{layer: LayerTCP, target: "tcp/" + strconv.Itoa(port), run: func(ctx context.Context) LayerResult {
		nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return tcpConnectResult(ctx, err)
		}
		nc.Close()
		return LayerResult{Outcome: Answered, Detail: "open"}
	}}
}

// tcpConnectResult classifies a failed TCP connect.
func tcpConnectResult(ctx context.Context, err error) LayerResult {
	r := LayerResult{Err: err}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		r.Outcome, r.Detail = Refused, "connection refused"
	case ctx.Err() != nil:
		return ctxResult(ctx, err)
	case errors.Is(err, syscall.EHOSTUNREACH):
		r.Outcome, r.Detail = Unreachable, "host unreachable"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EADDRNOTAVAIL):
		r.Outcome, r.Detail = Unreachable, "network unreachable"
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		r.Outcome, r.Detail = NotPermitted, "blocked by a local firewall rule"
	case errutil.IsTimeout(err):
		r.Outcome, r.Detail, r.Err = TimedOut, "no answer", errutil.Classed(vmconn.ErrTimeout, err)
	default:
		r.Outcome, r.Detail = Failed, err.Error()
	}
	return r
}
