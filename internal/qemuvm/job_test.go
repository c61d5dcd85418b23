//go:build linux

package qemuvm_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/qemuvm"
	"github.com/vmconn/vmconn/job"
)

// The guest's userland is busybox alone: jobs run there without flock
// (MechanismPid), with busybox's setsid (no -f) and tail (no --pid).

// A job lost to a real reboot is reported as lost, with the boot ids and
// the output delivered before the reboot. The job directory is gone too
// (the guest's root file system is its initramfs).
func TestJobLostToReboot(t *testing.T) {
	vm := qemuvm.Start(t, nil)
	c := dial(t, vm, config(vm, nil))
	ctx := testCtx(t)
	j, err := job.Start(ctx, c, "echo part1; echo err1 >&2; echo running; sleep 120; echo never", nil)
	if err != nil {
		t.Fatalf("job.Start: %v", err)
	}
	if st, err := j.Status(ctx); err != nil || st.Mechanism != job.MechanismPid {
		t.Fatalf("Status = %+v, %v; want a job with MechanismPid on busybox", st, err)
	}
	stdout := &lineWriter{trigger: "running", on: func() { rebootGuest(t, c) }}
	var stderr bytes.Buffer
	err = j.Follow(ctx, stdout, &stderr)
	ids := vm.BootIDs()
	var lost *job.LostError
	if !errors.As(err, &lost) || !errors.Is(err, vmconn.ErrRebooted) || !errors.Is(err, job.ErrLost) {
		t.Fatalf("Follow = %v; want a *LostError for a reboot\nstdout %q", err, stdout)
	}
	if len(ids) != 2 || lost.OldBootID != ids[0] || lost.NewBootID != ids[1] {
		t.Errorf("LostError boot ids %s -> %s; the guest's boots %q", lost.OldBootID, lost.NewBootID, ids)
	}
	if got := string(lost.StdoutTail); got != "part1\nrunning\n" || stdout.String() != got {
		t.Errorf("stdout tail %q, delivered %q; want part1 and running", got, stdout)
	}
	if got := string(lost.StderrTail); got != "err1\n" || stderr.String() != got {
		t.Errorf("stderr tail %q, delivered %q; want err1", got, stderr.String())
	}
	if lost.Stdout != int64(len("part1\nrunning\n")) || lost.Stderr != int64(len("err1\n")) {
		t.Errorf("offsets %d, %d; want every byte of the output delivered", lost.Stdout, lost.Stderr)
	}
	t.Logf("lost job: %v", err)
}

// A job that takes the guest's link down for a while outlives it: Follow
// finds the link half-open, reconnects once the link is back, and
// resumes where it was; the job ran once and every byte arrived once.
func TestJobOutlivesLinkDrop(t *testing.T) {
	vm := qemuvm.Start(t, nil)
	var events eventLog
	cfg := config(vm, &events)
	cfg.KeepaliveInterval = 500 * time.Millisecond // lost well within the 3s the link is down
	c := dial(t, vm, cfg)
	ctx := testCtx(t)
	const script = `echo run >>/root/runs
echo before
sleep 1
ip link set eth0 down
sleep 3
ip link set eth0 up
ip route add default via 10.0.2.2 2>/dev/null || true
for i in 1 2 3; do echo after $i; echo err $i >&2; done`
	j, err := job.Start(ctx, c, script, nil)
	if err != nil {
		t.Fatalf("job.Start: %v", err)
	}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	if err := j.Follow(ctx, &stdout, &stderr); err != nil {
		t.Fatalf("Follow: %v\nstdout %q", err, stdout.String())
	}
	took := time.Since(start)
	if want := "before\nafter 1\nafter 2\nafter 3\n"; stdout.String() != want {
		t.Errorf("stdout %q; want %q", stdout.String(), want)
	}
	if want := "err 1\nerr 2\nerr 3\n"; stderr.String() != want {
		t.Errorf("stderr %q; want %q", stderr.String(), want)
	}
	lost, back := events.all(vmconn.EventLost), events.all(vmconn.EventReconnected)
	if len(lost) != 1 || len(back) != 1 || len(events.all(vmconn.EventRebooted)) != 0 {
		t.Errorf("events: %d lost, %d reconnected, %d rebooted; want the link drop noticed and resumed once, no reboot",
			len(lost), len(back), len(events.all(vmconn.EventRebooted)))
	}
	out, err := c.Output(ctx, "cat /root/runs")
	if err != nil || strings.Count(string(out), "run\n") != 1 {
		t.Errorf("the job ran %q (%v); want once", out, err)
	}
	if st, err := j.Status(ctx); err != nil || st.Mechanism != job.MechanismPid || st.State != job.Exited {
		t.Errorf("Status = %+v, %v; want an exited job with MechanismPid", st, err)
	}
	if ids := vm.BootIDs(); len(ids) != 1 {
		t.Errorf("the guest rebooted: %q", ids)
	}
	if len(lost) > 0 && len(back) > 0 {
		t.Logf("link drop: lost at +%v, reconnected at +%v, Follow took %v",
			lost[0].Time.Sub(start).Round(time.Millisecond), back[0].Time.Sub(start).Round(time.Millisecond), took.Round(time.Millisecond))
	}
}
