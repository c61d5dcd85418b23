//go:build linux

package vmhost_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/vmhost"
)

// TestDropbear: with Server Dropbear, the machine runs dropbear in its PID
// namespace, with the harness's boot id, host key and authorized keys (in
// the home mounted over root's), and sshd restarts, reboots and key
// changes work as with OpenSSH.
func TestDropbear(t *testing.T) {
	h := vmhost.Start(t, &vmhost.Options{Server: vmhost.Dropbear})
	c := mustDial(t, h)
	if got := mustRun(t, c, "cat /proc/sys/kernel/random/boot_id"); got != h.BootID() {
		t.Errorf("boot id over SSH %q; harness says %q", got, h.BootID())
	}
	if got := mustRun(t, c, "tr '\\0' ' ' </proc/$PPID/cmdline; echo; echo $HOME; ls -a ~/.ssh"); !strings.HasPrefix(got, "/usr/sbin/dropbear") ||
		!strings.Contains(got, "authorized_keys") {
		t.Errorf("the session's parent, home and ~/.ssh: %q; want dropbear's, with authorized_keys", got)
	}
	if _, err := h.RestartSSHD(vmhost.SSHDRestart{KillConnections: true}); err != nil {
		t.Fatal(err)
	}
	if err := waitClosed(c, 5*time.Second); err != nil {
		t.Error(err)
	}
	if err := h.SetAuthorizedKeys(); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, h, h.Addr, h.HostKey()); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("dial with no authorized key: %v", err)
	}
	if err := h.SetAuthorizedKeys(h.ClientSigner.PublicKey()); err != nil {
		t.Fatal(err)
	}
	id := h.BootID()
	if err := h.Reboot(); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, mustDial(t, h), "cat /proc/sys/kernel/random/boot_id"); got == id || got != h.BootID() {
		t.Errorf("boot id %q after a reboot; was %q, harness says %q", got, id, h.BootID())
	}
	if _, err := dial(t, h, h.Addr6, h.HostKey()); err != nil {
		t.Errorf("IPv6: %v", err)
	}
}

// TestBusyboxPATH: with BusyboxPATH, sessions find busybox's applets
// alone on PATH.
func TestBusyboxPATH(t *testing.T) {
	h := vmhost.Start(t, &vmhost.Options{BusyboxPATH: true})
	c := mustDial(t, h)
	got := mustRun(t, c, `echo "$PATH"; for t in flock pkill sleep; do command -v $t || echo no-$t; done; readlink "$(command -v sleep)"`)
	f := strings.Fields(got)
	if len(f) != 5 || f[1] != "no-flock" || f[2] != "no-pkill" || f[3] != f[0]+"/sleep" || !strings.HasSuffix(f[4], "/busybox") {
		t.Errorf("PATH and tools: %q; want busybox's alone", got)
	}
}
