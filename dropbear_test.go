//go:build linux

package vmconn_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/vmhost"
	"github.com/vmconn/vmconn/job"
	"github.com/vmconn/vmconn/transfer"
	"golang.org/x/crypto/ssh"
)

// The core checks, against a second server: Dropbear (internal/dropbear)
// in a stand-in machine, beside OpenSSH's sshd in another, logged in as
// root. Each check runs on both: where the servers differ (Dropbear has
// no signal requests for root either, answers keepalive@openssh.com with
// a failure reply, has SFTP only through an installed sftp-server), the
// result vmconn documents is the same.

// serverChecks are the core checks, each given a fresh client of h.
var serverChecks = []struct {
	name  string
	check func(t *testing.T, h *vmhost.Host, c *vmconn.Client)
}{
	{"exit status", checkServerExit},
	{"streams", checkServerStreams},
	{"cancel signal", checkCancelSignal},
	{"cancel kills", checkCancelKills},
	{"keepalive", checkKeepalive},
	{"sftp", checkSFTP},
	{"job", checkJob},
	{"reboot guard and job", checkRebootGuard}, // reboots: last
}

// TestServers runs serverChecks against OpenSSH and Dropbear.
func TestServers(t *testing.T) {
	t.Parallel()
	for _, server := range []vmhost.Server{vmhost.OpenSSH, vmhost.Dropbear} {
		t.Run(server.String(), func(t *testing.T) {
			t.Parallel()
			h := vmhost.Start(t, &vmhost.Options{Server: server})
			for _, tc := range serverChecks {
				t.Run(tc.name, func(t *testing.T) {
					tc.check(t, h, vmhostDial(t, h, vmhostConfig(h)))
				})
			}
		})
	}
}

// checkServerExit: a status, and a death by signal.
func checkServerExit(t *testing.T, _ *vmhost.Host, c *vmconn.Client) {
	ctx := testCtx(t)
	var ee *vmconn.ExitError
	if _, err := c.Output(ctx, "exit 3"); !errors.As(err, &ee) || ee.Status != 3 {
		t.Errorf("exit 3: %v", err)
	}
	if _, err := c.Output(ctx, "kill -s TERM $$"); !errors.As(err, &ee) || ee.Signal != "TERM" {
		t.Errorf("kill -s TERM $$: %v; want signal TERM", err)
	}
	if _, err := c.Output(ctx, "true"); err != nil {
		t.Errorf("true: %v", err)
	}
}

// checkServerStreams: stdin reaches the command, stdout and stderr arrive apart
// and exactly.
func checkServerStreams(t *testing.T, _ *vmhost.Host, c *vmconn.Client) {
	cmd := c.Command(testCtx(t), "cat; echo err >&2; printf end")
	var out, errOut strings.Builder
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader("in\x00put\n"), &out, &errOut
	if err := cmd.Run(); err != nil || out.String() != "in\x00put\nend" || errOut.String() != "err\n" {
		t.Errorf("Run = %v, %q, %q", err, out.String(), errOut.String())
	}
}

// checkCancelSignal: CancelSignal reaches the command when the context
// ends (by the SSH signal request, or else by the marker kill): its trap
// runs (and writes a file: output after a cancel may not be read). Both
// servers ignore signal requests for root, so the marker kill must find
// the command's own shell, also when it has no child to be found by (a
// loop of builtins).
func checkCancelSignal(t *testing.T, _ *vmhost.Host, c *vmconn.Client) {
	for name, loop := range map[string]string{"sleeping": "sleep 0.1", "builtins only": ":"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(testCtx(t))
			defer cancel()
			got := filepath.Join(t.TempDir(), "got") // the machine shares the file system
			out := &notifyWriter{want: "running\n", do: cancel}
			cmd := c.Command(ctx, `trap 'echo term >`+vmconn.ShellQuote(got)+`; exit 0' TERM; echo running; while :; do `+loop+`; done`)
			cmd.Stdout, cmd.CancelSignal = out, ssh.SIGTERM
			cmd.WaitDelay = 10 * time.Second // the trap runs once the current sleep ends: a busy machine is slow to fork
			if err := cmd.Run(); !errors.Is(err, context.Canceled) || errors.Is(err, vmconn.ErrNotStopped) {
				t.Errorf("Run = %v; want context.Canceled, stopped", err)
			}
			if b, err := os.ReadFile(got); err != nil || string(b) != "term\n" {
				t.Errorf("the command's trap: %q, %v; it did not get SIGTERM", b, err)
			}
		})
	}
}

// checkCancelKills: cancelling kills a detached child too (checked on
// the machine: its pids are the machine's).
func checkCancelKills(t *testing.T, _ *vmhost.Host, c *vmconn.Client) {
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	pids := &notifyWriter{do: func() {}}
	cmd := c.Command(ctx, `setsid sleep 3002 >/dev/null 2>&1 </dev/null & echo $!; wait`)
	cmd.Stdout = pids
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child := waitForPid(t, pids)
	cancel()
	if err := cmd.Wait(); !errors.Is(err, context.Canceled) || errors.Is(err, vmconn.ErrNotStopped) {
		t.Errorf("Wait = %v; want context.Canceled, stopped", err)
	}
	if out, err := c.Output(testCtx(t), "cat /proc/"+strconv.Itoa(child)+"/stat 2>/dev/null | grep -v ') Z '"); err == nil {
		t.Errorf("the detached child survived the cancel: %s", out)
	}
}

// checkKeepalive: a keepalive round trip succeeds (Dropbear's failure
// reply is an answer), and so does Ping.
func checkKeepalive(t *testing.T, _ *vmhost.Host, c *vmconn.Client) {
	if _, err := c.Keepalive(testCtx(t)); err != nil {
		t.Errorf("Keepalive: %v", err)
	}
	if _, err := c.Ping(testCtx(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// checkSFTP: a file goes up and comes back, where the server has an
// SFTP server.
func checkSFTP(t *testing.T, h *vmhost.Host, c *vmconn.Client) {
	dir := t.TempDir()
	src, back := filepath.Join(dir, "src"), filepath.Join(dir, "back")
	if err := os.WriteFile(src, []byte("payload\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	remote := filepath.Join(dir, "remote") // the machine shares the file system
	if err := transfer.Upload(testCtx(t), c, src, remote, nil); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if err := transfer.Download(testCtx(t), c, remote, back, nil); err != nil {
		t.Fatalf("Download: %v", err)
	}
	if b, err := os.ReadFile(back); err != nil || string(b) != "payload\n" {
		t.Errorf("round trip: %q, %v", b, err)
	}
}

// checkJob: a job starts, is killed by Job.Kill and reports its status.
func checkJob(t *testing.T, _ *vmhost.Host, c *vmconn.Client) {
	ctx := testCtx(t)
	j, err := job.Start(ctx, c, "echo started; exec sleep 30", &job.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("job.Start: %v", err)
	}
	if err := j.Kill(ctx, ssh.SIGTERM); err != nil {
		t.Errorf("Kill: %v", err)
	}
	var out strings.Builder
	var ee *vmconn.ExitError
	if err := j.Follow(ctx, &out, nil); !errors.As(err, &ee) || ee.Status != 143 || out.String() != "started\n" {
		t.Errorf("Follow = %v, %q; want status 143, started", err, out.String())
	}
}

// checkRebootGuard: a reboot under a guarded command is a RebootError,
// and a job running then is lost, "rebooted".
func checkRebootGuard(t *testing.T, h *vmhost.Host, c *vmconn.Client) {
	ctx := testCtx(t)
	j, err := job.Start(ctx, c, "echo started; exec sleep 30", &job.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("job.Start: %v", err)
	}
	before := h.BootID()
	cmd := c.Command(ctx, "echo running; sleep 30")
	cmd.RebootGuard = true
	cmd.Stdout = vmhostRunning(t, h.Reboot)
	var re *vmconn.RebootError
	if err := cmd.Run(); !errors.As(err, &re) || re.OldBootID != before || re.NewBootID != h.BootID() {
		t.Fatalf("RebootGuard: %v; the machine went %s -> %s", err, before, h.BootID())
	}
	var out strings.Builder
	var lost *job.LostError
	if err := j.Follow(ctx, &out, nil); !errors.As(err, &lost) || lost.Reason != "rebooted" || out.String() != "started\n" {
		t.Errorf("Follow = %v, %q; want lost, rebooted, started", err, out.String())
	}
}
