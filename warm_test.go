package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// count returns how many records had the message msg.
func (h *recordHandler) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

const inWarm = "vmconn: command in a warm session"

// assertWarmCases runs commands whose every result a warm session must keep:
// exit status and signal, separate streams, stdin, Env, and bytes that
// need the envelope's printf form.
func assertWarmCases(t *testing.T, c *vmconn.Client) {
	t.Helper()
	ctx := testCtx(t)
	cmd := c.Command(ctx, "exit 3")
	var ee *vmconn.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.Status != 3 || cmd.ExitCode() != 3 {
		t.Errorf("exit 3: %v, code %d", err, cmd.ExitCode())
	}
	if err := c.Command(ctx, "kill -KILL $$").Run(); !errors.As(err, &ee) || ee.Signal != "KILL" {
		t.Errorf("kill: %v", err)
	}
	var stdout, stderr bytes.Buffer
	cmd = c.Command(ctx, `echo out; echo err >&2; printf '%s|%s|' "$0" "$#"`)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stdout.String() != "out\nsh|0|" || stderr.String() != "err\n" {
		t.Errorf("streams: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	cmd = c.Command(ctx, `cat; printf '|%s|%s' "$GREETING" "$EMPTY"`)
	cmd.Stdin = strings.NewReader("from stdin\x00\xff\n\n")
	cmd.Env = []string{"GREETING=it's $ a \"test\"\nline", "EMPTY="}
	if out, err := cmd.Output(); err != nil || string(out) != "from stdin\x00\xff\n\n|it's $ a \"test\"\nline|" {
		t.Errorf("stdin and env: %q, %v", out, err)
	}
	words := []string{`it's`, `"dq"`, `$HOME`, "`id`", `back\slash`, "new\nline", "ünï ✓", "\xff\xfe", "*", "-x", ""}
	out, err := c.Output(ctx, vmconn.ShellJoin(append([]string{"printf", "%s|"}, words...)...))
	if want := strings.Join(words, "|") + "|"; err != nil || string(out) != want {
		t.Errorf("words: %q, %v; want %q", out, err, want)
	}
	if out, err := c.Output(ctx, "printf 'line1\\n'\nprintf 'l\\303\\274ne2\\n'"); err != nil || string(out) != "line1\nlüne2\n" {
		t.Errorf("multi-line command: %q, %v", out, err)
	}
	if out, err := c.Output(ctx, "cat"); err != nil || len(out) != 0 {
		t.Errorf("nil stdin: %q, %v", out, err)
	}
}

// warmConfig turns warm sessions on in cfg, with a log of their records.
func warmConfig(cfg *vmconn.Config) (*vmconn.Config, *recordHandler) {
	h := &recordHandler{}
	cfg.Logger = slog.New(h)
	cfg.WarmSession = time.Minute
	return cfg, h
}

// TestWarmSession: with Config.WarmSession, every command after the first
// runs in a warm session, with the same results as without, and a
// reboot or a boot id read in one is still the test server's fake.
func TestWarmSession(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg, h := warmConfig(testConfig(srv))
	c := dialTest(t, srv, cfg)
	assertWarmCases(t, c)
	ctx := testCtx(t)
	if got, err := c.Output(ctx, vmconn.DefaultBootIDCommand); err != nil || string(got) != srv.BootID()+"\n" {
		t.Errorf("boot id in a warm session: %q, %v; want %q", got, err, srv.BootID())
	}
	before := srv.BootID()
	_ = c.Command(ctx, "reboot").Run()
	if srv.BootID() == before {
		t.Error("reboot in a warm session did not reach vmtest's fake")
	}
	if out, err := c.Output(ctx, "echo after"); err != nil || string(out) != "after\n" {
		t.Errorf("after the reboot: %q, %v", out, err)
	}
	if n := h.count(inWarm); n < 8 {
		t.Errorf("%d commands ran in a warm session, want at least 8", n)
	}
	if cmds := srv.Commands(); !strings.Contains(strings.Join(cmds, "\n"), "echo after") {
		t.Errorf("vmtest did not record the command of a warm session: %q", cmds)
	}
}

// TestWarmSessionSSHD: the same against OpenSSH, at MaxSessions 1 too,
// where the warm session holds the server's only slot: a command with a
// PTY, a boot id read and concurrent commands take it back.
func TestWarmSessionSSHD(t *testing.T) {
	t.Parallel()
	for _, max := range []int{10, 1} {
		t.Run(fmt.Sprintf("MaxSessions=%d", max), func(t *testing.T) {
			t.Parallel()
			s := sshdtest.Start(t, sshdtest.Options{MaxSessions: max})
			cfg, h := warmConfig(sshdConfig(s))
			c := dialSSHD(t, s, cfg)
			assertWarmCases(t, c)
			ctx := testCtx(t)
			pty := c.Command(ctx, "tty >/dev/null && echo tty")
			pty.PTY = &vmconn.PTY{}
			if out, err := pty.Output(); err != nil || !strings.Contains(string(out), "tty") {
				t.Errorf("PTY command: %q, %v", out, err)
			}
			guarded := c.Command(ctx, "echo guarded")
			guarded.RebootGuard = true
			if out, err := guarded.Output(); err != nil || string(out) != "guarded\n" {
				t.Errorf("guarded command: %q, %v", out, err)
			}
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					out, err := c.Output(ctx, "echo many")
					if err == nil && string(out) != "many\n" {
						err = errors.New("got " + string(out))
					}
					errs <- err
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Errorf("concurrent command: %v", err)
				}
			}
			if n := h.count(inWarm); n < 5 {
				t.Errorf("%d commands ran in a warm session, want at least 5\nsshd log:\n%s", n, s.Logs())
			}
		})
	}
}

// TestWarmSessionCancel: a command cancelled in a warm session is killed
// with its children, on servers that ignore SSH signals too.
func TestWarmSessionCancel(t *testing.T) {
	t.Parallel()
	for _, ignore := range []bool{false, true} {
		srv := newServer(t)
		srv.SetSignalsIgnored(ignore)
		cfg, h := warmConfig(testConfig(srv))
		c := dialTest(t, srv, cfg)
		if err := c.Command(testCtx(t), "true").Run(); err != nil {
			t.Fatal(err)
		}
		assertCancelKills(t, c)
		if h.count(inWarm) != 1 {
			t.Errorf("signals ignored %v: the cancelled command did not run in a warm session", ignore)
		}
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg, h := warmConfig(sshdConfig(s))
	c := dialSSHD(t, s, cfg)
	if err := c.Command(testCtx(t), "true").Run(); err != nil {
		t.Fatal(err)
	}
	assertCancelKills(t, c)
	if h.count(inWarm) != 1 {
		t.Error("sshd: the cancelled command did not run in a warm session")
	}
}

// TestWarmSessionCancelBusyShell: a cancelled command that is only its
// shell (a loop of builtins, no child to carry the marker) is found by
// the waiting shell's command line, which holds the marker: OpenSSH
// ignores signal requests for root, so as root that is the only way.
func TestWarmSessionCancelBusyShell(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg, h := warmConfig(sshdConfig(s))
	c := dialSSHD(t, s, cfg)
	if err := c.Command(testCtx(t), "true").Run(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	pids := &notifyWriter{do: func() {}}
	cmd := c.Command(ctx, "echo $$; while :; do :; done")
	cmd.Stdout = pids
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	shell := waitForPid(t, pids)
	cancel()
	if err := cmd.Wait(); !errors.Is(err, context.Canceled) || errors.Is(err, vmconn.ErrNotStopped) {
		t.Errorf("Wait = %v; want context.Canceled, stopped", err)
	}
	waitGone(t, shell)
	if h.count(inWarm) != 1 {
		t.Error("the cancelled command did not run in a warm session")
	}
}

// TestWarmSessionIdle: an unused warm session is closed after
// Config.WarmSession, and its shell exits without running anything.
func TestWarmSessionIdle(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg, h := warmConfig(sshdConfig(s))
	cfg.WarmSession = 200 * time.Millisecond
	c := dialSSHD(t, s, cfg)
	if err := c.Command(testCtx(t), "true").Run(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.count("vmconn: warm session closed") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle warm session was not closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out, err := c.Output(testCtx(t), "echo fresh"); err != nil || string(out) != "fresh\n" {
		t.Errorf("after the idle close: %q, %v", out, err)
	}
	if h.count(inWarm) != 0 {
		t.Error("a command ran in the closed warm session")
	}
}

// TestWarmSessionQuietlyDeadLink: the link under a ready warm session
// goes silent (a black hole, no reset). The next command does not go
// into it: the keepalive before handing it over gets no reply, so the
// command runs, once, on a new connection.
func TestWarmSessionQuietlyDeadLink(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	first := newProxy(t, srv.Addr())
	cfg, h := warmConfig(testConfig(srv))
	cfg.KeepaliveInterval = 100 * time.Millisecond
	var dials atomic.Int32
	cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			addr = first.Addr()
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	c := dialTest(t, srv, cfg)
	if err := c.Command(testCtx(t), "true").Run(); err != nil {
		t.Fatal(err)
	}
	first.Stall(true)
	t.Cleanup(func() { first.Stall(false) })
	file := filepath.Join(t.TempDir(), "runs")
	out, err := c.Output(testCtx(t), "echo ran >> "+vmconn.ShellQuote(file)+"; echo done")
	if err != nil || string(out) != "done\n" {
		t.Fatalf("command after the link went quiet: %q, %v", out, err)
	}
	if b, _ := os.ReadFile(file); string(b) != "ran\n" {
		t.Errorf("the command ran %d times, want once", strings.Count(string(b), "ran"))
	}
	if h.count(inWarm) != 0 || dials.Load() < 2 {
		t.Errorf("warm sessions used %d, dials %d: want the command on a new connection", h.count(inWarm), dials.Load())
	}
}

// TestWarmSessionEarlyOutput: a login shell that prints as it starts
// (zsh reading a ~/.zshenv that writes to stderr) does so in a warm
// session before any command is there: the output reaches the next
// command's stderr ahead of its own, as without a warm session, and it
// holds up nothing: after a link cut the client reconnects, and Close
// returns, without waiting for the warm session's idle time.
func TestWarmSessionEarlyOutput(t *testing.T) {
	t.Parallel()
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, LoginShell: "zsh", HostKeyTypes: []string{"ed25519"}})
	u, err := user.Lookup(s.User)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(u.HomeDir, ".zshenv"), []byte("print -u2 greeting; : > ~/.greeted-$$\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, s.Addr)
	cfg, h := warmConfig(sshdConfig(s))
	cfg.WarmSession = 10 * time.Minute
	cfg.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, p.Addr()) // sshd's known host name, the proxy's port
	}
	c, err := vmconn.Dial(testCtx(t), s.Addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		var stdout, stderr bytes.Buffer
		cmd := c.Command(testCtx(t), "echo out; echo err >&2")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stdout.String() != "out\n" || stderr.String() != "greeting\nerr\n" {
			t.Errorf("command %d: %v, stdout %q, stderr %q", i, err, stdout.String(), stderr.String())
		}
	}
	if h.count(inWarm) != 2 {
		t.Errorf("%d commands ran in a warm session, want 2", h.count(inWarm))
	}
	p.Cut()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := c.Output(ctx, "echo back"); err != nil || string(out) != "back\n" {
		t.Errorf("after the cut: %q, %v", out, err)
	}
	// Close while the next warm session's greeting waits for a command.
	greeted := func() []string { m, _ := filepath.Glob(filepath.Join(u.HomeDir, ".greeted-*")); return m }
	for _, f := range greeted() {
		os.Remove(f)
	}
	if err := c.Command(testCtx(t), "true").Run(); err != nil { // in the warm session ready since the cut
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(greeted()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no new warm session greeted")
		}
	}
	time.Sleep(100 * time.Millisecond) // the greeting crosses loopback
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close waits for the warm session")
	}
}

// TestWarmSessionGivesUpClientSlot: when the client's slots run out (a
// command waits for one), a warm session gives its slot up, whether it
// was ready or still being prepared when the command began to wait.
func TestWarmSessionGivesUpClientSlot(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg, h := warmConfig(testConfig(srv))
	cfg.MaxSessions = 3
	c := dialTest(t, srv, cfg)
	ctx := testCtx(t)
	long := func(raw bool) (*vmconn.Cmd, *io.PipeWriter) {
		pr, pw := io.Pipe()
		cmd := c.Command(ctx, "cat")
		cmd.Stdin, cmd.Raw = pr, raw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, pw
	}
	a, aIn := long(false)
	defer aIn.Close()
	if err := c.Command(ctx, "true").Run(); err != nil { // then a warm session takes a second slot
		t.Fatal(err)
	}
	d, dIn := long(true) // Raw: never in a warm session; the third slot
	defer dIn.Close()
	e := c.Command(ctx, "echo e")
	e.Raw = true
	if out, err := e.Output(); err != nil || string(out) != "e\n" {
		t.Errorf("command waiting for a slot: %q, %v", out, err)
	}
	if h.count("vmconn: warm session closed") != 1 {
		t.Errorf("warm sessions closed: %d, want 1", h.count("vmconn: warm session closed"))
	}
	aIn.Close()
	dIn.Close()
	if err := a.Wait(); err != nil {
		t.Error(err)
	}
	if err := d.Wait(); err != nil {
		t.Error(err)
	}
}
