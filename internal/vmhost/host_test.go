//go:build linux

package vmhost_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/vmhost"
	"golang.org/x/crypto/ssh"
)

// dial logs in to the machine at addr from the client namespace, trusting
// only hostKey, and closes the connection at cleanup.
func dial(t *testing.T, h *vmhost.Host, addr string, hostKey ssh.PublicKey) (*ssh.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := h.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	sc, chans, reqs, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User:            h.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(h.ClientSigner)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		// The pinned key's algorithm alone: Dropbear offers rsa-sha2-*
		// without an RSA key (see internal/dropbear).
		HostKeyAlgorithms: []string{hostKey.Type()},
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	c := ssh.NewClient(sc, chans, reqs)
	t.Cleanup(func() { c.Close() })
	return c, nil
}

func mustDial(t *testing.T, h *vmhost.Host) *ssh.Client {
	t.Helper()
	c, err := dial(t, h, h.Addr, h.HostKey())
	if err != nil {
		t.Fatalf("dial %s: %v\n%s", h.Addr, err, h.Logs())
	}
	return c
}

// run runs command over c and returns its trimmed output.
func run(c *ssh.Client, command string) (string, error) {
	s, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer s.Close()
	out, err := s.CombinedOutput(command)
	return strings.TrimSpace(string(out)), err
}

func mustRun(t *testing.T, c *ssh.Client, command string) string {
	t.Helper()
	out, err := run(c, command)
	if err != nil {
		t.Fatalf("%s: %v: %s", command, err, out)
	}
	return out
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestStart: sshd runs in a PID namespace of its own, sees the harness's
// boot id and no ~/.bashrc, and answers on both addresses.
func TestStart(t *testing.T) {
	h := vmhost.Start(t, nil)
	c := mustDial(t, h)
	if got := mustRun(t, c, "cat /proc/sys/kernel/random/boot_id"); got != h.BootID() {
		t.Errorf("boot id over SSH %q; harness says %q", got, h.BootID())
	}
	self, _ := os.Readlink("/proc/self/ns/pid")
	if got := mustRun(t, c, "readlink /proc/self/ns/pid"); got == self || !strings.HasPrefix(got, "pid:[") {
		t.Errorf("commands run in PID namespace %q; the test's is %q", got, self)
	}
	if got := mustRun(t, c, "tr '\\0' ' ' </proc/1/cmdline"); !strings.HasPrefix(got, "/bin/sh -c") {
		t.Errorf("PID 1 is %q", got)
	}
	if got := mustRun(t, c, "wc -c <~/.bashrc"); got != "0" {
		t.Errorf("~/.bashrc has %s bytes", got)
	}
	if _, err := dial(t, h, h.Addr6, h.HostKey()); err != nil {
		t.Errorf("IPv6: %v", err)
	}
	if b := h.Boots(); len(b) != 1 || b[0].End != vmhost.Running || b[0].Accepting.Before(b[0].Started) {
		t.Errorf("Boots = %+v", b)
	}
}

// TestReboot: a reboot kills detached processes too, changes the boot id
// and keeps the host key.
func TestReboot(t *testing.T) {
	h := vmhost.Start(t, &vmhost.Options{Downtime: 100 * time.Millisecond})
	c := mustDial(t, h)
	before := h.BootID()
	ns := mustRun(t, c, "readlink /proc/self/ns/pid")
	mustRun(t, c, "nohup setsid sleep 1000 >/dev/null 2>&1 </dev/null &")
	detached := sleepers(ns)
	if len(detached) != 1 {
		t.Fatalf("detached sleep: pids %v", detached)
	}
	start := time.Now()
	if err := h.Reboot(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("reboot took %v, less than its downtime", took)
	}
	if alive(detached[0]) {
		t.Errorf("detached sleep %d survives the reboot", detached[0])
	}
	if err := c.Wait(); err == nil {
		t.Errorf("connection survived the reboot")
	}
	c = mustDial(t, h) // same host key
	if got := mustRun(t, c, "cat /proc/sys/kernel/random/boot_id"); got != h.BootID() || got == before {
		t.Errorf("boot id %q after reboot; before %q, harness says %q", got, before, h.BootID())
	}
	if got := mustRun(t, c, "pgrep -f 'sleep 100[0]' || true"); got != "" {
		t.Errorf("detached sleep survived: pids %s", got)
	}
	boots := h.Boots()
	if len(boots) != 2 || boots[0].End != vmhost.Killed || boots[0].ID != before || boots[1].End != vmhost.Running {
		t.Errorf("Boots = %+v", boots)
	}
}

// sleepers returns the pids of the "sleep 1000" processes in the PID
// namespace ns, waiting up to 2s for one to appear (nohup and setsid may
// not have exec'd sleep yet). Namespace inode numbers are reused: a
// later boot's namespace may have the same.
func sleepers(ns string) []int {
	var pids []int
	testenv.Poll(2*time.Second, func() bool { pids = sleepersNow(ns); return len(pids) > 0 })
	return pids
}

func sleepersNow(ns string) []int {
	var pids []int
	files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range files {
		dir := filepath.Dir(f)
		cmdline, _ := os.ReadFile(f)
		if l, _ := os.Readlink(dir + "/ns/pid"); l == ns && string(cmdline) == "sleep\x001000\x00" {
			pid, _ := strconv.Atoi(filepath.Base(dir))
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid runs "sleep 1000" (and not a zombie).
func alive(pid int) bool {
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(cmdline) == "sleep\x001000\x00"
}

// TestRebootCall: reboot(2) inside the machine ends its PID namespace
// only; the harness boots it again with a new boot id.
func TestRebootCall(t *testing.T) {
	testenv.RequireCommand(t, "busybox")
	h := vmhost.Start(t, nil)
	c := mustDial(t, h)
	before := h.BootID()
	_, err := run(c, "busybox reboot -f")
	var exitErr *ssh.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitStatus() == 0 {
		t.Fatalf("reboot -f exited 0")
	}
	if err := h.WaitBoot(ctxFor(t, 10*time.Second), 2); err != nil {
		t.Fatal(err)
	}
	boots := h.Boots()
	if boots[0].End != vmhost.RebootCall || boots[1].ID == before || boots[1].ID != h.BootID() {
		t.Errorf("Boots = %+v", boots)
	}
	if got := mustRun(t, mustDial(t, h), "cat /proc/sys/kernel/random/boot_id"); got != h.BootID() {
		t.Errorf("boot id over SSH %q; harness says %q", got, h.BootID())
	}
}

// TestHaltCall: after a power-off from inside the machine stays down,
// until Reboot powers it on.
func TestHaltCall(t *testing.T) {
	testenv.RequireCommand(t, "busybox")
	h := vmhost.Start(t, &vmhost.Options{Downtime: -1})
	_, _ = run(mustDial(t, h), "busybox poweroff -f")
	if err := h.WaitBoot(ctxFor(t, 10*time.Second), 2); err == nil || !strings.Contains(err.Error(), "halt") {
		t.Fatalf("WaitBoot = %v; want an error: the machine halted", err)
	}
	if _, err := h.RestartSSHD(vmhost.SSHDRestart{}); err == nil {
		t.Errorf("RestartSSHD on a halted machine succeeded")
	}
	if err := h.Reboot(); err != nil {
		t.Fatal(err)
	}
	mustRun(t, mustDial(t, h), "true")
	if b := h.Boots(); len(b) != 2 || b[0].End != vmhost.HaltCall {
		t.Errorf("Boots = %+v", b)
	}
}

func TestRebootWithNewHostKey(t *testing.T) {
	h := vmhost.Start(t, &vmhost.Options{Downtime: -1})
	old := h.HostKey()
	if err := h.RebootWithNewHostKey(); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, h, h.Addr, old); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Errorf("dial trusting the old key: %v; want a host key mismatch", err)
	}
	mustDial(t, h)
}

// TestRestartSSHD: a listener restart keeps open connections unless asked
// to kill them, and keeps the boot id.
func TestRestartSSHD(t *testing.T) {
	h := vmhost.Start(t, nil)
	id := h.BootID()
	c := mustDial(t, h)
	before := time.Now()
	at, err := h.RestartSSHD(vmhost.SSHDRestart{Downtime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if at.Sub(before) < 50*time.Millisecond {
		t.Errorf("accepting %v after the restart began; its downtime is 50ms", at.Sub(before))
	}
	mustRun(t, c, "true") // the old connection goes on
	if _, err := h.RestartSSHD(vmhost.SSHDRestart{KillConnections: true}); err != nil {
		t.Fatal(err)
	}
	if err := waitClosed(c, 5*time.Second); err != nil {
		t.Error(err)
	}
	if got := mustRun(t, mustDial(t, h), "cat /proc/sys/kernel/random/boot_id"); got != id || h.BootID() != id {
		t.Errorf("boot id %q after sshd restarts; was %q", got, id)
	}
	if err := h.StopSSHD(); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, h, h.Addr, h.HostKey()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial with sshd stopped: %v; want connection refused", err)
	}
	if _, err := h.StartSSHD(); err != nil {
		t.Fatal(err)
	}
	mustDial(t, h)
}

// waitClosed waits for c's connection to end.
func waitClosed(c *ssh.Client, d time.Duration) error {
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		c.Close()
		<-done
		return fmt.Errorf("connection still open after %v", d)
	}
}

// TestCutLink: Drop leaves connections half-open and mends; Reset kills
// them and refuses new ones.
func TestCutLink(t *testing.T) {
	h := vmhost.Start(t, nil)
	c := mustDial(t, h)
	if err := h.CutLink(vmhost.Drop); err != nil {
		t.Fatal(err)
	}
	if err := keepalive(c, 500*time.Millisecond); err == nil || !strings.Contains(err.Error(), "no reply") {
		t.Errorf("keepalive over a dropped link: %v; want no reply", err)
	}
	if nc, err := h.Dial(ctxFor(t, 300*time.Millisecond), "tcp", h.Addr); err == nil {
		nc.Close()
		t.Errorf("dial over a dropped link succeeded")
	}
	if err := h.RestoreLink(); err != nil {
		t.Fatal(err)
	}
	if err := keepalive(c, 5*time.Second); err != nil { // TCP retransmits
		t.Errorf("keepalive after the link came back: %v", err)
	}
	if err := h.CutLink(vmhost.Reset); err != nil {
		t.Fatal(err)
	}
	if err := keepalive(c, 2*time.Second); err == nil || strings.Contains(err.Error(), "no reply") {
		t.Errorf("keepalive over a reset link: %v; want the connection reset", err)
	}
	if _, err := dial(t, h, h.Addr, h.HostKey()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial over a reset link: %v; want connection refused", err)
	}
	if err := h.RestoreLink(); err != nil {
		t.Fatal(err)
	}
	if err := h.RestoreLink(); err != nil {
		t.Errorf("restoring a whole link: %v", err)
	}
	mustRun(t, mustDial(t, h), "true")
}

// keepalive sends a keepalive request and waits d for the reply.
func keepalive(c *ssh.Client, d time.Duration) error {
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-time.After(d):
		return fmt.Errorf("no reply in %v", d)
	}
}

func TestSetAuthorizedKeys(t *testing.T) {
	h := vmhost.Start(t, nil)
	if err := h.SetAuthorizedKeys(); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, h, h.Addr, h.HostKey()); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("dial with no authorized key: %v", err)
	}
	if err := h.SetAuthorizedKeys(h.ClientSigner.PublicKey()); err != nil {
		t.Fatal(err)
	}
	mustDial(t, h)
}

// TestCleanupRemovesEverything: once the test is over, no process of the
// machine runs and its namespaces are gone.
func TestCleanupRemovesEverything(t *testing.T) {
	var pids []int
	var netNS, dir string
	t.Run("machine", func(t *testing.T) {
		h := vmhost.Start(t, nil)
		c := mustDial(t, h)
		mustRun(t, c, "nohup setsid sleep 1000 >/dev/null 2>&1 </dev/null &")
		pids, netNS, dir = sleepers(mustRun(t, c, "readlink /proc/self/ns/pid")), h.VM.NS, h.Dir
	})
	if len(pids) != 1 || alive(pids[0]) {
		t.Errorf("detached sleep %v survives", pids)
	}
	for _, f := range []string{"/run/netns/" + netNS, dir} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s survives (%v)", f, err)
		}
	}
}

// TestRotateHostKey: a rotated key is presented from the next boot on,
// also one the machine makes itself with reboot(2), and not before.
func TestRotateHostKey(t *testing.T) {
	testenv.RequireCommand(t, "busybox")
	h := vmhost.Start(t, &vmhost.Options{Downtime: -1})
	old := h.HostKey()
	if err := h.RotateHostKey(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.RestartSSHD(vmhost.SSHDRestart{}); err != nil {
		t.Fatal(err)
	}
	c, err := dial(t, h, h.Addr, old)
	if err != nil || !bytes.Equal(h.HostKey().Marshal(), old.Marshal()) {
		t.Fatalf("before the reboot: %v, key changed: %v", err, !bytes.Equal(h.HostKey().Marshal(), old.Marshal()))
	}
	_, _ = run(c, "busybox reboot -f")
	if err := h.WaitBoot(ctxFor(t, 10*time.Second), 2); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(h.HostKey().Marshal(), old.Marshal()) {
		t.Fatal("HostKey unchanged after the reboot")
	}
	if _, err := dial(t, h, h.Addr, old); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Errorf("dial trusting the old key: %v; want a host key mismatch", err)
	}
	mustDial(t, h)
}
