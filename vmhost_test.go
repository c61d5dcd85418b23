//go:build linux

package vmconn_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/vmhost"
)

// Fault tests against a real OpenSSH sshd in a stand-in machine made of
// namespaces (internal/vmhost): a reboot kills a whole PID namespace, and
// the reboot(2) call made inside one ends that namespace only, never the
// machine the tests run on. They need root; without it they skip, or fail
// under CI=true.

// vmhostConfig returns a Config that logs in to h as root from h's client
// namespace, trusting the host key of its first boot.
func vmhostConfig(h *vmhost.Host) *vmconn.Config {
	return &vmconn.Config{
		User:            h.User,
		IdentityFiles:   []string{h.ClientKeyFile},
		KnownHostsFiles: []string{h.KnownHostsFile},
		NoAgent:         true,
		DialContext:     h.Dial,
	}
}

// vmhostDial dials h and closes the client at cleanup.
func vmhostDial(t *testing.T, h *vmhost.Host, cfg *vmconn.Config) *vmconn.Client {
	t.Helper()
	c, err := vmconn.Dial(testCtx(t), h.Addr, cfg)
	if err != nil {
		t.Fatalf("Dial %s: %v\n%s", h.Addr, err, h.Logs())
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// vmhostGo runs f in the background, failing t if f fails; t's cleanup
// waits for it.
func vmhostGo(t *testing.T, f func() error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f(); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { <-done })
}

// vmhostRunning returns a writer that calls do, in the background, once
// the command has printed "running".
func vmhostRunning(t *testing.T, do func() error) *notifyWriter {
	return &notifyWriter{want: "running\n", do: func() { vmhostGo(t, do) }}
}

// vmhostEvents collects a client's events.
type vmhostEvents struct {
	mu     sync.Mutex
	events []vmconn.Event
}

func (l *vmhostEvents) add(e vmconn.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// first returns the first event of type typ at or after since.
func (l *vmhostEvents) first(typ vmconn.EventType, since time.Time) (vmconn.Event, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.Type == typ && !e.Time.Before(since) {
			return e, true
		}
	}
	return vmconn.Event{}, false
}

// TestVmhostGuardReboot: a reboot during a guarded command is reported,
// with the boot ids the machine really had, by Guard and by RebootGuard;
// a process that detached itself before the reboot is gone after it.
func TestVmhostGuardReboot(t *testing.T) {
	t.Parallel()
	h := vmhost.Start(t, nil)
	c := vmhostDial(t, h, vmhostConfig(h))
	ctx := testCtx(t)
	if err := c.Command(ctx, "nohup setsid sleep 1000 >/dev/null 2>&1 </dev/null &").Run(); err != nil {
		t.Fatal(err)
	}
	const findSleep = "for i in $(seq 100); do pgrep -f 'sleep 100[0]' && exit; sleep 0.02; done; exit 1"
	if _, err := c.Output(ctx, findSleep); err != nil {
		t.Fatalf("detached sleep not found: %v", err)
	}
	before := h.BootID()
	err := c.Guard(ctx, func(ctx context.Context) error {
		cmd := c.Command(ctx, "echo running; sleep 30")
		cmd.Stdout = vmhostRunning(t, h.Reboot)
		return cmd.Run()
	})
	var re *vmconn.RebootError
	if !errors.As(err, &re) || !errors.Is(err, vmconn.ErrNoExitStatus) {
		t.Fatalf("Guard = %v; want a RebootError wrapping ErrNoExitStatus", err)
	}
	if re.OldBootID != before || re.NewBootID != h.BootID() || re.NewBootID == before {
		t.Errorf("RebootError %s -> %s; the machine went %s -> %s", re.OldBootID, re.NewBootID, before, h.BootID())
	}
	var ee *vmconn.ExitError
	if out, err := c.Output(ctx, "pgrep -f 'sleep 100[0]'"); !errors.As(err, &ee) || ee.Status != 1 {
		t.Errorf("detached sleep after the reboot: pids %q, %v; want none", out, err)
	}

	before = h.BootID()
	cmd := c.Command(ctx, "echo running; sleep 30")
	cmd.RebootGuard = true
	cmd.Stdout = vmhostRunning(t, h.Reboot)
	if err := cmd.Run(); !errors.As(err, &re) || re.OldBootID != before || re.NewBootID != h.BootID() {
		t.Fatalf("RebootGuard: %v; the machine went %s -> %s", err, before, h.BootID())
	}
}

// TestVmhostSSHDRestartIsNotReboot: sshd restarted and its connections
// killed under a guarded command: the connection is lost, and it is not
// a reboot. It also measures, at the default poll, the time from sshd
// accepting again to the Reconnected event.
func TestVmhostSSHDRestartIsNotReboot(t *testing.T) {
	t.Parallel()
	h := vmhost.Start(t, nil)
	cfg := vmhostConfig(h)
	var events vmhostEvents
	cfg.OnEvent = events.add
	c := vmhostDial(t, h, cfg)
	var delays []time.Duration
	for range 10 {
		start := time.Now()
		accepting := make(chan time.Time, 1)
		err := c.Guard(testCtx(t), func(ctx context.Context) error {
			cmd := c.Command(ctx, "echo running; sleep 30")
			cmd.Stdout = vmhostRunning(t, func() error {
				at, err := h.RestartSSHD(vmhost.SSHDRestart{KillConnections: true, Downtime: 200 * time.Millisecond})
				accepting <- at
				return err
			})
			return cmd.Run()
		})
		if errors.Is(err, vmconn.ErrRebooted) || !errors.Is(err, vmconn.ErrConnLost) {
			t.Fatalf("Guard = %v; want ErrConnLost and no reboot", err)
		}
		at := <-accepting // RestartSSHD returns within its bounded wait
		back, ok := events.first(vmconn.EventReconnected, start)
		if !ok {
			t.Fatalf("no reconnected event")
		}
		delays = append(delays, back.Time.Sub(at))
	}
	slices.Sort(delays)
	t.Logf("sshd accepting -> reconnected, default poll, %d restarts: min %v, p50 %v, max %v; all %v",
		len(delays), delays[0], delays[len(delays)/2], delays[len(delays)-1], delays)
	if h.BootID() != h.Boots()[0].ID || len(h.Boots()) != 1 {
		t.Errorf("the machine rebooted: %+v", h.Boots())
	}
}

// TestVmhostHalfOpenLink: a link that drops every packet under a running
// command is noticed within the keepalive bound; once it is back, the
// next command reconnects to the same boot: not a reboot.
func TestVmhostHalfOpenLink(t *testing.T) {
	// Not parallel: it bounds when the cut is noticed.
	testVmhostLinkCut(t, vmhost.Drop, 200*time.Millisecond, 3)
}

// TestVmhostResetLink: a link that resets connections is noticed at the
// first keepalive, well before the keepalive bound.
func TestVmhostResetLink(t *testing.T) {
	// Not parallel: it bounds when the cut is noticed.
	testVmhostLinkCut(t, vmhost.Reset, 500*time.Millisecond, 3)
}

func testVmhostLinkCut(t *testing.T, mode vmhost.LinkMode, interval time.Duration, countMax int) {
	h := vmhost.Start(t, nil)
	cfg := vmhostConfig(h)
	cfg.KeepaliveInterval, cfg.KeepaliveCountMax = interval, countMax
	c := vmhostDial(t, h, cfg)
	var noticed time.Duration
	err := c.Guard(testCtx(t), func(ctx context.Context) error {
		running := make(chan struct{})
		cmd := c.Command(ctx, "echo running; sleep 30")
		cmd.Stdout = &notifyWriter{want: "running\n", do: func() { close(running) }}
		if err := cmd.Start(); err != nil {
			return err
		}
		select {
		case <-running:
		case <-time.After(10 * time.Second):
			return errors.New("the command did not start running")
		}
		if err := h.CutLink(mode); err != nil {
			return err
		}
		cut := time.Now()
		err := cmd.Wait()
		noticed = time.Since(cut)
		if rerr := h.RestoreLink(); rerr != nil {
			return rerr
		}
		return err
	})
	if errors.Is(err, vmconn.ErrRebooted) || !errors.Is(err, vmconn.ErrConnLost) {
		t.Fatalf("Guard = %v; want ErrConnLost and no reboot", err)
	}
	bound := time.Duration(countMax+1) * interval
	t.Logf("link %v noticed after %v (keepalive bound %v): %v", mode, noticed, bound, err)
	switch {
	case mode == vmhost.Drop && noticed > bound+3*time.Second:
		t.Errorf("half-open link noticed after %v; bound %v", noticed, bound)
	case mode == vmhost.Reset && (noticed >= time.Duration(countMax)*interval || strings.Contains(err.Error(), "no keepalive reply")):
		t.Errorf("reset link noticed after %v (%v); want the reset noticed before the keepalive bound", noticed, err)
	}
	if out, err := c.Output(testCtx(t), "cat /proc/sys/kernel/random/boot_id"); err != nil || strings.TrimSpace(string(out)) != h.Boots()[0].ID {
		t.Errorf("after the link came back: %q, %v; want the first boot's id", out, err)
	}
}

// TestVmhostReboot: Client.Reboot with a reboot(2) inside the machine
// comes back with the machine's new boot id, after a real downtime.
func TestVmhostReboot(t *testing.T) {
	t.Parallel()
	testenv.RequireCommand(t, "busybox")
	const downtime = 500 * time.Millisecond
	h := vmhost.Start(t, &vmhost.Options{Downtime: downtime})
	cfg := vmhostConfig(h)
	cfg.RebootCommand = "busybox reboot -f"
	c := vmhostDial(t, h, cfg)
	before := h.BootID()
	res, err := c.Reboot(testCtx(t))
	if err != nil {
		t.Fatalf("Reboot: %v", err)
	}
	boots := h.Boots()
	if len(boots) != 2 || boots[0].End != vmhost.RebootCall {
		t.Fatalf("the machine's boots: %+v; want one ended by reboot(2)", boots)
	}
	if res.OldBootID != before || res.NewBootID != boots[1].ID || res.Downtime < downtime {
		t.Errorf("Reboot = %+v; the machine went %s -> %s, down for %v", res, before, boots[1].ID, downtime)
	}
	t.Logf("Reboot took %v; the machine's downtime %v, sshd back after %v",
		res.Downtime, downtime, boots[1].Accepting.Sub(boots[0].Ended))
}

// TestVmhostRebootWaitsForNewBootID: the reboot command returns at once
// and the machine goes down a second later: Reboot does not return while
// the old boot id still answers.
func TestVmhostRebootWaitsForNewBootID(t *testing.T) {
	t.Parallel()
	testenv.RequireCommand(t, "busybox")
	h := vmhost.Start(t, &vmhost.Options{Downtime: 100 * time.Millisecond})
	cfg := vmhostConfig(h)
	cfg.RebootCommand = "(sleep 1; busybox reboot -f) >/dev/null 2>&1 </dev/null &"
	cfg.ReconnectBackoff = 50 * time.Millisecond
	c := vmhostDial(t, h, cfg)
	res, err := c.Reboot(testCtx(t))
	if err != nil {
		t.Fatalf("Reboot: %v", err)
	}
	boots := h.Boots()
	if len(boots) != 2 || boots[0].End != vmhost.RebootCall || res.NewBootID != boots[1].ID || res.Downtime < time.Second {
		t.Errorf("Reboot = %+v; the machine's boots: %+v", res, boots)
	}
}

// TestVmhostRebootNewHostKey: a host key that changed across a reboot is
// ErrHostKeyChanged, not a reboot nor a retry.
func TestVmhostRebootNewHostKey(t *testing.T) {
	t.Parallel()
	testenv.RequireCommand(t, "busybox")
	h := vmhost.Start(t, &vmhost.Options{Downtime: -1})
	cfg := vmhostConfig(h)
	cfg.RebootCommand = "busybox reboot -f"
	c := vmhostDial(t, h, cfg)
	if err := h.RotateHostKey(); err != nil {
		t.Fatal(err)
	}
	_, err := c.Reboot(testCtx(t))
	var hke *vmconn.HostKeyError
	if !errors.Is(err, vmconn.ErrHostKeyChanged) || !errors.As(err, &hke) || len(hke.Want) == 0 {
		t.Fatalf("Reboot = %v; want a HostKeyError wrapping ErrHostKeyChanged", err)
	}
	if b := h.Boots(); len(b) != 2 || b[0].End != vmhost.RebootCall {
		t.Errorf("the machine's boots: %+v", b)
	}
}

// TestVmhostAuthNotRetried: the machine came back without our key: the
// reconnection fails with ErrAuth after one attempt.
func TestVmhostAuthNotRetried(t *testing.T) {
	t.Parallel()
	h := vmhost.Start(t, &vmhost.Options{Downtime: -1})
	cfg := vmhostConfig(h)
	var dials atomic.Int32
	cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return h.Dial(ctx, network, addr)
	}
	cfg.ReconnectBackoff = 10 * time.Millisecond
	c := vmhostDial(t, h, cfg)
	if err := h.SetAuthorizedKeys(); err != nil {
		t.Fatal(err)
	}
	if err := h.Reboot(); err != nil {
		t.Fatal(err)
	}
	_, err := c.Output(testCtx(t), "true")
	if !errors.Is(err, vmconn.ErrAuth) {
		t.Fatalf("Output = %v; want ErrAuth", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials; want 2 (no retry)", n)
	}
}

// TestVmhostCancelDuringBackoff: sshd is down and the client waits
// between attempts: cancelling returns at once.
func TestVmhostCancelDuringBackoff(t *testing.T) {
	// Not parallel: it bounds how soon the call returns after cancel.
	h := vmhost.Start(t, nil)
	cfg := vmhostConfig(h)
	cfg.ReconnectBackoff = 10 * time.Second
	c := vmhostDial(t, h, cfg)
	if err := h.StopSSHD(); err != nil {
		t.Fatal(err)
	}
	if err := h.KillConnections(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("connection not lost after its sshd was killed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Output(ctx, "true")
	if took := time.Since(start); !errors.Is(err, context.Canceled) || took > time.Second {
		t.Errorf("Output = %v after %v; want context.Canceled at once after 200ms", err, took)
	}
	if _, err := h.StartSSHD(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Output(testCtx(t), "true"); err != nil {
		t.Errorf("after sshd came back: %v", err)
	}
}
