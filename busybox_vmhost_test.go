//go:build linux

package vmconn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/vmhost"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

// The core on a machine whose PATH holds busybox's applets alone (no
// util-linux, coreutils or procps: no flock, nohup, pgrep, pkill), logged
// in as root, for whom OpenSSH refuses SSH signal requests: cancelling
// relies on the marker kill alone.

// busyboxHost starts a stand-in machine with a busybox-only PATH and
// checks that its sessions see that PATH.
func busyboxHost(t *testing.T) (*vmhost.Host, *vmconn.Client) {
	t.Helper()
	h := vmhost.Start(t, &vmhost.Options{BusyboxPATH: true})
	c := vmhostDial(t, h, vmhostConfig(h))
	out, err := c.Output(testCtx(t), `for t in flock nohup pgrep pkill; do command -v $t; done; readlink "$(command -v sleep)"`)
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "busybox") || strings.Count(string(out), "\n") != 1 {
		t.Fatalf("the machine's tools: %q, %v; want busybox's alone", out, err)
	}
	return h, c
}

// TestVmhostBusybox: exit statuses, streams, cancellation (a detached
// child too), jobs (with MechanismPid: Kill, Follow, lost to a reboot)
// and the reboot guard work with busybox alone.
func TestVmhostBusybox(t *testing.T) {
	t.Parallel()
	h, c := busyboxHost(t)
	ctx := testCtx(t)
	t.Run("exec", func(t *testing.T) {
		cmd := c.Command(ctx, "echo out; echo err >&2; exit 7")
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		var ee *vmconn.ExitError
		if err := cmd.Run(); !errors.As(err, &ee) || ee.Status != 7 || out.String() != "out\n" || errOut.String() != "err\n" {
			t.Errorf("Run = %v, %q, %q; want status 7, out, err", err, out.String(), errOut.String())
		}
	})
	t.Run("cancel", func(t *testing.T) { checkCancelKills(t, nil, c) })
	t.Run("job", func(t *testing.T) {
		j, err := job.Start(ctx, c, "echo started; exec sleep 30", &job.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatalf("job.Start: %v", err)
		}
		st, err := j.Status(ctx)
		if err != nil || st.State != job.Running || st.Mechanism != job.MechanismPid {
			t.Fatalf("Status = %+v, %v; want running, mechanism pid", st, err)
		}
		if err := j.Kill(ctx, ssh.SIGTERM); err != nil {
			t.Errorf("Kill: %v", err)
		}
		var out strings.Builder
		var ee *vmconn.ExitError
		if err := j.Follow(ctx, &out, nil); !errors.As(err, &ee) || ee.Status != 143 || out.String() != "started\n" {
			t.Errorf("Follow = %v, %q; want status 143, started", err, out.String())
		}
	})
	lost, err := job.Start(ctx, c, "echo started; exec sleep 30", &job.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("job.Start: %v", err)
	}
	t.Run("guard", func(t *testing.T) {
		before := h.BootID()
		cmd := c.Command(ctx, "echo running; sleep 30")
		cmd.RebootGuard = true
		cmd.Stdout = vmhostRunning(t, h.Reboot)
		var re *vmconn.RebootError
		if err := cmd.Run(); !errors.As(err, &re) || re.OldBootID != before || re.NewBootID != h.BootID() {
			t.Fatalf("RebootGuard: %v; the machine went %s -> %s", err, before, h.BootID())
		}
	})
	t.Run("job lost to the reboot", func(t *testing.T) {
		var out strings.Builder
		var le *job.LostError
		if err := lost.Follow(ctx, &out, nil); !errors.As(err, &le) || le.Reason != "rebooted" || out.String() != "started\n" {
			t.Errorf("Follow = %v, %q; want lost, rebooted, started", err, out.String())
		}
	})
}
