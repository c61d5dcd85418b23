//go:build linux

package qemuvm_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/qemuvm"
)

// A real "reboot -f" in the guest under a guarded command: the guest
// vanishes without closing anything (QEMU keeps the forwarded TCP
// connection open), keepalive finds the half-open link, and the
// guarded command is reported as a reboot with the guest's two boot ids.
func TestGuardedCommandAcrossReboot(t *testing.T) {
	for _, how := range []string{"Guard", "RebootGuard"} {
		t.Run(how, func(t *testing.T) {
			vm := qemuvm.Start(t, nil)
			var events eventLog
			c := dial(t, vm, config(vm, &events))
			out := &lineWriter{}
			run := func(ctx context.Context) error {
				cmd := c.Command(ctx, "echo rebooting; reboot -f; sleep 120")
				cmd.Stdout = out
				cmd.RebootGuard = how == "RebootGuard"
				return cmd.Run()
			}
			var err error
			if how == "Guard" {
				err = c.Guard(testCtx(t), run)
			} else {
				err = run(testCtx(t))
			}
			reported := time.Now()
			ids := vm.BootIDs()
			var re *vmconn.RebootError
			if !errors.As(err, &re) {
				t.Fatalf("%s = %v; want a *RebootError", how, err)
			}
			if !errors.Is(err, vmconn.ErrNoExitStatus) && !errors.Is(err, vmconn.ErrConnLost) {
				t.Errorf("%s = %v; want it to wrap the command's lost connection", how, err)
			}
			if len(ids) != 2 || re.OldBootID != ids[0] || re.NewBootID != ids[1] {
				t.Fatalf("RebootError %s -> %s; the guest's boots %q", re.OldBootID, re.NewBootID, ids)
			}
			rebooting := out.seen("rebooting")
			lost := events.all(vmconn.EventLost)
			if len(lost) == 0 || rebooting.IsZero() {
				t.Fatalf("no lost event (%v) or no output (%q)", lost, out)
			}
			noticed := lost[0].Time.Sub(rebooting)
			t.Logf("%s: reboot noticed (lost) after %v, reported after %v (keepalive %v x %d; first boot %v, %s)",
				how, noticed.Round(time.Millisecond), reported.Sub(rebooting).Round(time.Millisecond),
				keepaliveInterval, keepaliveCountMax, vm.BootTime.Round(time.Millisecond), vm.Accel)
			if noticed > keepaliveBound {
				t.Errorf("the half-open link was noticed after %v; want within %v", noticed, keepaliveBound)
			}
		})
	}
}

// Client.Reboot with the default command, "reboot" (busybox init shuts
// down and reboots): it returns once the guest is back with a new boot
// id, the one the guest printed.
func TestClientReboot(t *testing.T) {
	vm := qemuvm.Start(t, nil)
	c := dial(t, vm, config(vm, nil))
	res, err := c.Reboot(testCtx(t))
	if err != nil {
		t.Fatalf("Reboot: %v", err)
	}
	ids := vm.BootIDs()
	if len(ids) != 2 || res.OldBootID != ids[0] || res.NewBootID != ids[1] {
		t.Fatalf("Reboot = %+v; the guest's boots %q", res, ids)
	}
	t.Logf("Reboot took %v (%s)", res.Downtime.Round(time.Millisecond), vm.Accel)
}

// alive.Wait at the SSH layer, started while the guest reboots, returns
// once the rebooted guest's sshd logs in. (With user-mode networking
// QEMU accepts on the forwarded port at all times, so the TCP layer
// cannot tell a guest that is down.)
func TestAliveWaitAcrossReboot(t *testing.T) {
	vm := qemuvm.Start(t, nil)
	cfg := config(vm, nil)
	c := dial(t, vm, cfg)
	before, err := c.BootID(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	rebootGuest(t, c)
	// reboot -f resets the machine at once; wait until the old boot no
	// longer answers, so that Wait does not find it.
	probe := *cfg
	probe.KeepaliveInterval = -1
	for deadline := time.Now().Add(time.Minute); ; {
		if !answers(t, vm, &probe) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the guest still answers a minute after reboot -f")
		}
		time.Sleep(200 * time.Millisecond)
	}
	start := time.Now()
	_, port, _ := net.SplitHostPort(vm.Addr)
	p, _ := strconv.Atoi(port)
	res, err := alive.Wait(testCtx(t), vm.Addr, alive.LayerSSH, &alive.Options{Config: &probe, Ports: []int{p}, NoICMP: true, Timeout: 10 * time.Second})
	if err != nil || !res.Operational {
		t.Fatalf("alive.Wait = %+v, %v; want operational", res, err)
	}
	waited := time.Since(start)
	after, err := c.BootID(testCtx(t))
	ids := vm.BootIDs()
	if err != nil || after == before || len(ids) != 2 || after != ids[1] {
		t.Fatalf("boot id after alive.Wait: %q, %v; before %q; the guest's boots %q", after, err, before, ids)
	}
	t.Logf("alive.Wait returned %v after the old boot stopped answering (%s)", waited.Round(time.Millisecond), vm.Accel)
}

// answers reports whether a fresh login to vm runs a command within a
// few seconds.
func answers(t *testing.T, vm *qemuvm.VM, cfg *vmconn.Config) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := vmconn.Dial(ctx, vm.Addr, cfg)
	if err != nil {
		return false
	}
	defer c.Close()
	out, err := c.Output(ctx, "echo ok")
	return err == nil && strings.TrimSpace(string(out)) == "ok"
}
