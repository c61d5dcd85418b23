//go:build linux

package qemuvm

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"

	"github.com/vmconn/vmconn/internal/testenv"
)

// Tap puts the guest's NIC on a tap device in a network namespace the
// test made (internal/netns), instead of QEMU's user-mode network. The
// guest is then down, up, or refusing on port 22 as a real machine is,
// to the probes of that namespace: user-mode networking accepts on the
// forwarded port even while the guest is down.
type Tap struct {
	// NS is the network namespace's name (for "ip netns exec"); QEMU
	// runs in it, and Start makes the tap device there.
	NS string

	// Name is the tap device's name. Zero means "qemuvm0".
	Name string

	// HostAddr is given to the tap device, GuestAddr to the guest's
	// eth0 (whose default route goes to HostAddr). Both must be in the
	// same prefix, which must hold nothing else in NS.
	HostAddr, GuestAddr netip.Prefix

	// Dial connects from NS (netns.Host.Dial): Start waits for sshd's
	// banner through it, and VM.Dial uses it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// name returns the tap device's name.
func (t *Tap) name() string {
	if t.Name == "" {
		return "qemuvm0"
	}
	return t.Name
}

// setUp makes the tap device in the namespace, with HostAddr, up.
func (t *Tap) setUp(ctx context.Context) error {
	ip := testenv.LookPath("ip")
	for _, args := range [][]string{
		{"-n", t.NS, "tuntap", "add", "dev", t.name(), "mode", "tap"},
		{"-n", t.NS, "addr", "add", t.HostAddr.String(), "dev", t.name()},
		{"-n", t.NS, "link", "set", t.name(), "up"},
	} {
		if out, err := exec.CommandContext(ctx, ip, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %v: %w: %s", args, err, out)
		}
	}
	return nil
}

// netArgs returns QEMU's arguments of the NIC's back end, and the
// kernel's arguments that tell the guest its address.
func (t *Tap) netArgs() (qemu []string, kernel string) {
	qemu = []string{"-netdev", "tap,id=net0,ifname=" + t.name() + ",script=no,downscript=no"}
	kernel = " qemuvm.ip=" + t.GuestAddr.String() + " qemuvm.gw=" + t.HostAddr.Addr().String()
	return qemu, kernel
}
