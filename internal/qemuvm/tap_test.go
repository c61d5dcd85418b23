//go:build linux

package qemuvm_test

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/netns"
	"github.com/vmconn/vmconn/internal/qemuvm"
)

// tapEnv passes the guest's address and the client's files to
// TestTapLayersChild: "ADDR,KEYFILE,KNOWNHOSTS".
const tapEnv = "VMCONN_QEMUVM_TAP"

// The guest on a tap device in a namespace of its own: across a real
// reboot, alive's probes from that namespace see the layers a real
// machine shows (nothing answers while it is down, then SSH with a new
// boot id), which user-mode networking hides. The probing runs in
// TestTapLayersChild, inside the namespace.
func TestTapLayers(t *testing.T) {
	if netns.InChild() {
		t.Skip("parent of TestTapLayersChild")
	}
	lab := netns.NewLab(t)
	host := lab.AddHost("vm", nil)
	vm := qemuvm.Start(t, &qemuvm.Options{Tap: &qemuvm.Tap{
		NS:        host.NS,
		HostAddr:  netip.MustParsePrefix("198.51.100.1/24"),
		GuestAddr: netip.MustParsePrefix("198.51.100.2/24"),
		Dial:      host.Dial,
	}})
	host.RunTest(t, "TestTapLayersChild", tapEnv+"="+strings.Join([]string{vm.Addr, vm.ClientKeyFile, vm.KnownHostsFile}, ","))
	if ids := vm.BootIDs(); len(ids) != 2 {
		t.Errorf("the guest's boots %q; want two", ids)
	}
}

// TestTapLayersChild reboots the guest and probes it with alive.Check
// until it is back, recording each change of layer.
func TestTapLayersChild(t *testing.T) {
	if !netns.InChild() {
		t.Skip("run by TestTapLayers inside its namespace")
	}
	f := strings.Split(os.Getenv(tapEnv), ",")
	if len(f) != 3 {
		t.Fatalf("%s=%q", tapEnv, os.Getenv(tapEnv))
	}
	cfg := &vmconn.Config{User: "root", IdentityFiles: f[1:2], KnownHostsFiles: f[2:3], NoAgent: true,
		KeepaliveInterval: keepaliveInterval, KeepaliveCountMax: keepaliveCountMax}
	c, err := vmconn.Dial(testCtx(t), f[0], cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before, err := c.BootID(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	rebootGuest(t, c)
	start := time.Now()
	probe := *cfg
	probe.KeepaliveInterval = -1
	opts := &alive.Options{Config: &probe, Ports: []int{22}, Timeout: 2 * time.Second}
	var layers []alive.Layer
	var log []string
	for wentDown := false; ; time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > testTimeout/2 {
			t.Fatalf("the guest not back over SSH within %v: %s", testTimeout/2, strings.Join(log, ", "))
		}
		res, err := alive.Check(testCtx(t), f[0], opts)
		if err != nil {
			t.Fatalf("alive.Check: %v", err)
		}
		if len(layers) == 0 || layers[len(layers)-1] != res.Layer {
			layers = append(layers, res.Layer)
			log = append(log, time.Since(start).Round(time.Millisecond).String()+" "+res.String())
		}
		wentDown = wentDown || res.Layer == alive.LayerNone
		if wentDown && res.Operational {
			break
		}
	}
	t.Logf("layers after reboot -f: %s", strings.Join(log, "; "))
	after, err := vmconn.Dial(testCtx(t), f[0], &probe)
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	if id, err := after.BootID(testCtx(t)); err != nil || id == before {
		t.Errorf("boot id %q (%v) once back; before the reboot %q", id, err, before)
	}
}
