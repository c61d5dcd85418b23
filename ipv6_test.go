//go:build linux

package vmconn_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/vmhost"
	"github.com/vmconn/vmconn/sshconfig"
)

// IPv6 end to end, on a stand-in machine whose link has an address in
// 2001:db8::/64 (no duplicate address detection): dialing by an IPv6
// literal in each way an address can be written, and through a jump host
// given as [addr]:port.

// TestVmhostIPv6: commands run over IPv6, the server sees an IPv6 client,
// and every spelling of the address reaches it.
func TestVmhostIPv6(t *testing.T) {
	t.Parallel()
	h := vmhost.Start(t, nil)
	v6, _, err := net.SplitHostPort(h.Addr6)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{h.Addr6, "root@" + h.Addr6, v6, "[" + v6 + "]"} {
		t.Run(addr, func(t *testing.T) {
			c, err := vmconn.Dial(testCtx(t), addr, vmhostConfig(h))
			if err != nil {
				t.Fatalf("Dial %s: %v", addr, err)
			}
			defer c.Close()
			out, err := c.Output(testCtx(t), `echo "$SSH_CONNECTION"`)
			f := strings.Fields(string(out))
			if err != nil || len(f) != 4 || !strings.HasPrefix(f[0], "2001:db8::") || f[2] != v6 || f[3] != "22" {
				t.Errorf("SSH_CONNECTION %q, %v; want an IPv6 client to %s port 22", out, err, v6)
			}
		})
	}
}

// TestVmhostIPv6Jump: -J with IPv6 hops, parsed as the CLI parses -J
// (sshconfig's ResolveJumps: "[addr]:port", with and without user and
// ssh:// scheme), reaches the target, at its IPv6 address too, through
// the hop; a reboot under a guarded command is seen through the hop. The
// hop is the machine itself: its last leg connects to its own address.
func TestVmhostIPv6Jump(t *testing.T) {
	t.Parallel()
	h := vmhost.Start(t, nil)
	v6, _, _ := net.SplitHostPort(h.Addr6)
	sc, err := sshconfig.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range []string{"root@[" + v6 + "]:22", "ssh://[" + v6 + "]:22", "[" + v6 + "]"} {
		t.Run(list, func(t *testing.T) {
			cfg := vmhostConfig(h)
			hops, err := sc.ResolveJumps(list, cfg)
			if err != nil || len(hops) != 1 || hops[0].Addr != "["+v6+"]:22" && hops[0].Addr != "root@["+v6+"]:22" {
				t.Fatalf("ResolveJumps(%q) = %+v, %v", list, hops, err)
			}
			hops[0].Config.DialContext = h.Dial // the first hop is reached from the client namespace
			c, err := vmconn.DialVia(testCtx(t), h.Addr6, vmconn.ViaJumpHosts(cfg, hops...))
			if err != nil {
				t.Fatalf("DialVia: %v", err)
			}
			defer c.Close()
			out, err := c.Output(testCtx(t), `echo "$SSH_CONNECTION"`)
			if f := strings.Fields(string(out)); err != nil || len(f) != 4 || f[0] != v6 || f[2] != v6 {
				t.Errorf("SSH_CONNECTION through the hop %q, %v; want %s to itself", out, err, v6)
			}
		})
	}
	t.Run("reboot guard", func(t *testing.T) {
		cfg := vmhostConfig(h)
		hops, err := sc.ResolveJumps("root@["+v6+"]:22", cfg)
		if err != nil {
			t.Fatal(err)
		}
		hops[0].Config.DialContext = h.Dial
		c, err := vmconn.DialVia(testCtx(t), h.Addr6, vmconn.ViaJumpHosts(cfg, hops...))
		if err != nil {
			t.Fatalf("DialVia: %v", err)
		}
		defer c.Close()
		before := h.BootID()
		cmd := c.Command(testCtx(t), "echo running; sleep 30")
		cmd.RebootGuard = true
		cmd.Stdout = vmhostRunning(t, h.Reboot)
		var re *vmconn.RebootError
		if err := cmd.Run(); !errors.As(err, &re) || re.OldBootID != before || re.NewBootID != h.BootID() {
			t.Errorf("RebootGuard through the hop: %v; the machine went %s -> %s", err, before, h.BootID())
		}
	})
}
