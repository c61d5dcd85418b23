package vmconn_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
)

func TestBootID(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	id, err := c.BootID(testCtx(t))
	if err != nil || id != srv.BootID() {
		t.Fatalf("BootID = %q, %v; want %q", id, err, srv.BootID())
	}
	for _, bad := range []string{"echo", "echo 'two\nlines'", "printf 'a\\000b'"} {
		cfg := testConfig(srv)
		cfg.BootIDCommand = bad
		c := dialTest(t, srv, cfg)
		if _, err := c.BootID(testCtx(t)); !errors.Is(err, vmconn.ErrBadBootID) {
			t.Errorf("BootIDCommand %q: %v; want ErrBadBootID", bad, err)
		}
	}
	cfg := testConfig(srv)
	cfg.BootIDCommand = "echo 0F8FAD5B-D9CB-469F-A165-70867728950E"
	if id, err := dialTest(t, srv, cfg).BootID(testCtx(t)); err != nil || id != "0f8fad5b-d9cb-469f-a165-70867728950e" {
		t.Errorf("custom command: %q, %v", id, err)
	}
}

// TestGuardReportsReboot: a reboot while the guarded operation runs is
// reported with both boot ids, and wraps the operation's own error.
func TestGuardReportsReboot(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	var log eventLog
	cfg.OnEvent = log.add
	c := dialTest(t, srv, cfg)
	before := srv.BootID()
	err := c.Guard(testCtx(t), func(ctx context.Context) error {
		w := &notifyWriter{want: "running\n", do: func() { go srv.Reboot() }}
		cmd := c.Command(ctx, "echo running; sleep 30")
		cmd.Stdout = w
		return cmd.Run()
	})
	var re *vmconn.RebootError
	if !errors.As(err, &re) || !errors.Is(err, vmconn.ErrRebooted) || !errors.Is(err, vmconn.ErrNoExitStatus) {
		t.Fatalf("Guard = %v; want a RebootError wrapping ErrNoExitStatus", err)
	}
	if re.OldBootID != before || re.NewBootID != srv.BootID() || re.NoticedAt.IsZero() {
		t.Errorf("RebootError %+v; want %s -> %s", re, before, srv.BootID())
	}
	if types := log.types(); types[len(types)-1] != "rebooted" {
		t.Errorf("events %v; want rebooted last", types)
	}
}

// TestGuardNotRebootOnDropOrRestart: a cut connection or an sshd restart
// reconnects to the same boot: not a reboot, the operation's error stays.
func TestGuardNotRebootOnDropOrRestart(t *testing.T) {
	t.Parallel()
	faults := map[string]func(srv interface {
		DropConnections()
		StopListening()
		StartListening() error
	}){
		"drop": func(s interface {
			DropConnections()
			StopListening()
			StartListening() error
		}) {
			s.DropConnections()
		},
		"sshd-restart": func(s interface {
			DropConnections()
			StopListening()
			StartListening() error
		}) {
			s.StopListening()
			s.DropConnections()
			time.AfterFunc(200*time.Millisecond, func() { s.StartListening() })
		},
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t)
			cfg := testConfig(srv)
			cfg.ReconnectBackoff = 20 * time.Millisecond
			c := dialTest(t, srv, cfg)
			err := c.Guard(testCtx(t), func(ctx context.Context) error {
				w := &notifyWriter{want: "running\n", do: func() { go fault(srv) }}
				cmd := c.Command(ctx, "echo running; sleep 30")
				cmd.Stdout = w
				return cmd.Run()
			})
			if errors.Is(err, vmconn.ErrRebooted) || !errors.Is(err, vmconn.ErrConnLost) {
				t.Fatalf("Guard = %v; want ErrConnLost and no reboot", err)
			}
		})
	}
}

func TestGuardPassesThroughResult(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	if err := c.Guard(testCtx(t), func(context.Context) error { return nil }); err != nil {
		t.Errorf("Guard = %v", err)
	}
	mine := errors.New("mine")
	if err := c.Guard(testCtx(t), func(context.Context) error { return mine }); err != mine {
		t.Errorf("Guard = %v; want %v", err, mine)
	}
}

func TestCmdRebootGuard(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	cmd := c.Command(testCtx(t), "echo running; sleep 30")
	cmd.RebootGuard = true
	cmd.Stdout = &notifyWriter{want: "running\n", do: func() { go srv.Reboot() }}
	err := cmd.Run()
	if !errors.Is(err, vmconn.ErrRebooted) {
		t.Fatalf("Run = %v; want ErrRebooted", err)
	}
	cmd = c.Command(testCtx(t), "exit 4")
	cmd.RebootGuard = true
	var ee *vmconn.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || errors.Is(err, vmconn.ErrRebooted) {
		t.Errorf("no reboot: %v", err)
	}
}

func TestReboot(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	before := srv.BootID()
	res, err := c.Reboot(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.OldBootID != before || res.NewBootID != srv.BootID() || res.NewBootID == before || res.Downtime <= 0 {
		t.Errorf("Reboot = %+v; boot ids %s -> %s", res, before, srv.BootID())
	}
	if srv.Reboots() != 1 {
		t.Errorf("server rebooted %d times", srv.Reboots())
	}
	if out, err := c.Output(testCtx(t), "echo after"); err != nil || string(out) != "after\n" {
		t.Errorf("after reboot: %q, %v", out, err)
	}
}

// TestRebootWaitsForNewBootID: the reboot command returns at once and the
// machine goes down only later (a slow shutdown): Reboot must not report
// success while the old boot id still answers (ansible#78007).
func TestRebootWaitsForNewBootID(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.RebootCommand, cfg.ReconnectBackoff = "true", 20*time.Millisecond
	c := dialTest(t, srv, cfg)
	time.AfterFunc(700*time.Millisecond, srv.Reboot)
	res, err := c.Reboot(testCtx(t))
	if err != nil || srv.Reboots() != 1 || res.NewBootID != srv.BootID() {
		t.Fatalf("Reboot = %+v, %v after %d reboots", res, err, srv.Reboots())
	}
}

func TestRebootCommandFails(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.RebootCommand = "echo 'reboot: permission denied' >&2; exit 1"
	_, err := dialTest(t, srv, cfg).Reboot(testCtx(t))
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || srv.Reboots() != 0 {
		t.Errorf("Reboot = %v; want the command's ExitError", err)
	}
}

func TestRebootBounded(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.RebootCommand = "true" // never reboots
	ctx, cancel := context.WithTimeout(testCtx(t), 500*time.Millisecond)
	defer cancel()
	_, err := dialTest(t, srv, cfg).Reboot(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Reboot = %v; want deadline exceeded", err)
	}
}

// TestRebootViaPlainCommand: a wrapped (non-raw) `reboot` reaches
// vmtest's fake reboot too.
func TestRebootViaPlainCommand(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	before := srv.BootID()
	err := c.Command(testCtx(t), "reboot").Run()
	if !errors.Is(err, vmconn.ErrNoExitStatus) || srv.Reboots() != 1 || srv.BootID() == before {
		t.Errorf("reboot: %v, %d reboots", err, srv.Reboots())
	}
}
