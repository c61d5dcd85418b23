//go:build linux

package alive

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/netns"
)

// TestEchoSockets pings lab hosts from a namespace of its own, where
// net.ipv4.ping_group_range (a per-namespace setting, "1 0" in a new
// one) can let root's group open unprivileged ICMP sockets without
// touching the machine's own setting:
//   - outside the range, the unprivileged socket is not permitted;
//   - inside it, it gets the echo reply over IPv4 and IPv6;
//   - a host that answers nothing ends with ctx, on either socket: a
//     cancel is seen at once, not at the next request's interval.
//
// Needs root, ip and nft; skipped without them unless CI=true.
func TestEchoSockets(t *testing.T) {
	lab := netns.NewLab(t)
	pinger := lab.AddHost("pinger", nil)
	peer := lab.AddHost("peer", nil)
	dead := lab.AddHost("dead", &netns.HostOptions{Nft: netns.DropAll})
	ping := func(ctx context.Context, ip netip.Addr, privileged bool) (r LayerResult) {
		t.Helper()
		if err := pinger.Do(func() error { r = pingWith(ctx, ip, privileged); return nil }); err != nil {
			t.Fatal(err)
		}
		return r
	}
	timeout := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.Cleanup(cancel)
		return ctx
	}

	if r := ping(timeout(), peer.IPv4, false); r.Outcome != NotPermitted {
		t.Errorf("unprivileged socket outside ping_group_range: %+v, want not-permitted", r)
	}
	if out, err := pinger.Exec(context.Background(), "sysctl", "-qw", "net.ipv4.ping_group_range=0 0"); err != nil {
		t.Fatalf("sysctl in the lab host: %v: %s", err, out)
	}
	for _, ip := range []netip.Addr{peer.IPv4, peer.IPv6} {
		for _, privileged := range []bool{false, true} {
			r := ping(timeout(), ip, privileged)
			want := map[bool]string{false: "(unprivileged socket)", true: "(raw socket)"}[privileged]
			if r.Outcome != Answered || !strings.HasSuffix(r.Detail, want) {
				t.Errorf("ping %v, privileged %v: %+v, want answered %s", ip, privileged, r, want)
			}
		}
	}

	for _, ip := range []netip.Addr{dead.IPv4, dead.IPv6} {
		for _, privileged := range []bool{false, true} {
			ctx, cancel := context.WithCancel(context.Background())
			timer := time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			r := ping(ctx, ip, privileged)
			took := time.Since(start)
			timer.Stop()
			cancel()
			if r.Outcome != Cancelled {
				t.Errorf("ping %v (drops all), privileged %v, cancelled: %+v, want cancelled", ip, privileged, r)
			}
			if took >= DefaultTimeout {
				t.Errorf("ping %v (drops all), privileged %v: cancelled after 100ms, returned after %v (no deadline: ran to DefaultTimeout)", ip, privileged, took)
			}
		}
	}
}
