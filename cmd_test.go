package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/testkit"
	"golang.org/x/crypto/ssh"
)

func TestRunExitStatus(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	ctx := testCtx(t)
	cmd := c.Command(ctx, "exit 3")
	err := cmd.Run()
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 3 || ee.Signal != "" || cmd.ExitCode() != 3 {
		t.Fatalf("Run = %v (exit code %d); want status 3", err, cmd.ExitCode())
	}
	cmd = c.Command(ctx, "true")
	if err := cmd.Run(); err != nil || cmd.ExitCode() != 0 {
		t.Fatalf("true: %v, %d", err, cmd.ExitCode())
	}
}

func TestRunExitSignal(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	err := c.Command(testCtx(t), "kill -KILL $$").Run()
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Signal != "KILL" || ee.ExitCode() != 137 {
		t.Fatalf("Run = %#v; want signal KILL, code 137", err)
	}
}

func TestOutputSeparatesStreams(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	var stdout, stderr bytes.Buffer
	cmd := c.Command(testCtx(t), "echo out; echo err >&2; exit 1")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if stdout.String() != "out\n" || stderr.String() != "err\n" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 1 {
		t.Errorf("err = %v", err)
	}
	_, err = c.Output(testCtx(t), "echo oops >&2; exit 2")
	if !errors.As(err, &ee) || string(ee.Stderr) != "oops\n" {
		t.Errorf("Output error %v with stderr %q", err, ee.Stderr)
	}
	out, _ := c.Command(testCtx(t), "echo a; echo b >&2").CombinedOutput()
	if got := string(out); got != "a\nb\n" && got != "b\na\n" {
		t.Errorf("CombinedOutput = %q", got)
	}
}

// TestCommandsRunExactlyAsGiven: quotes, $, backslashes, newlines and
// non-ASCII text reach the remote shell untouched.
func TestCommandsRunExactlyAsGiven(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	words := []string{`it's`, `"dq"`, `$HOME`, "`id`", `back\slash`, "new\nline", "ünï ✓", "\xff\xfe", "*"}
	out, err := c.Output(testCtx(t), vmconn.ShellJoin(append([]string{"printf", "%s|"}, words...)...))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(words, "|") + "|"; string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	out, err = c.Output(testCtx(t), "printf 'line1\\n'\nprintf 'l\\303\\274ne2\\n'")
	if err != nil || string(out) != "line1\nlüne2\n" {
		t.Errorf("multi-line command: %q, %v", out, err)
	}
}

func TestBinaryOutput(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	out, err := c.Output(testCtx(t), `printf 'a\000b\377\376\n\000'`)
	if err != nil || !bytes.Equal(out, []byte("a\x00b\xff\xfe\n\x00")) {
		t.Errorf("got %q, %v", out, err)
	}
}

func TestStdinAndEnv(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	cmd := c.Command(testCtx(t), `cat; printf '|%s|%s' "$GREETING" "$EMPTY"`)
	cmd.Stdin = strings.NewReader("from stdin\x00\xff")
	cmd.Env = []string{"GREETING=it's $ a \"test\"\nline", "EMPTY="}
	out, err := cmd.Output()
	if want := "from stdin\x00\xff|it's $ a \"test\"\nline|"; err != nil || string(out) != want {
		t.Errorf("got %q, %v; want %q", out, err, want)
	}
	bad := c.Command(testCtx(t), "true")
	bad.Env = []string{"NOT VALID=x"}
	if err := bad.Run(); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("bad env: %v", err)
	}
}

func TestBadCommand(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	for _, line := range []string{"", "   ", "echo \x00"} {
		if err := c.Command(testCtx(t), line).Run(); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("Run(%q) = %v; want ErrConfig", line, err)
		}
	}
	var nilCmd vmconn.Cmd
	if err := nilCmd.Run(); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("zero Cmd: %v", err)
	}
}

// TestStreaming proves output is streamed, without timing: the command
// prints a line, then waits until the test has received that line (the
// test creates a file when it has); buffered output would deadlock.
func TestStreaming(t *testing.T) {
	t.Parallel()
	assertStreams(t, dialTest(t, newServer(t), nil))
}

// assertStreams runs the streaming check over c (vmtest or real sshd).
func assertStreams(t *testing.T, c *vmconn.Client) {
	t.Helper()
	flag := filepath.Join(t.TempDir(), "got-first")
	w := &notifyWriter{want: "first\n", do: func() { os.WriteFile(flag, nil, 0o600) }}
	cmd := c.Command(testCtx(t), fmt.Sprintf(`echo first; i=0; while [ ! -e %s ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; [ -e %[1]s ] && echo second`, vmconn.ShellQuote(flag)))
	cmd.Stdout = w
	if err := cmd.Run(); err != nil || w.String() != "first\nsecond\n" {
		t.Fatalf("Run: %v, output %q (not streamed?)", err, w.String())
	}
}

type notifyWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	do   func()
	done bool
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done && strings.HasPrefix(w.buf.String(), w.want) {
		w.done = true
		w.do()
	}
	return len(p), nil
}

func (w *notifyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestLinesKeepOrderWithinStreams(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	var got []string
	lines := vmconn.NewLines(func(s vmconn.Stream, l []byte) { got = append(got, s.String()+":"+string(l)) })
	cmd := c.Command(testCtx(t), `for i in 1 2 3; do echo o$i; echo e$i >&2; sleep 0.02; done; printf last`)
	cmd.Stdout, cmd.Stderr = lines.Stdout(), lines.Stderr()
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	lines.Close()
	var outs, errs []string
	for _, g := range got {
		if strings.HasPrefix(g, "stdout:") {
			outs = append(outs, g)
		} else {
			errs = append(errs, g)
		}
	}
	if strings.Join(outs, ",") != "stdout:o1,stdout:o2,stdout:o3,stdout:last" || strings.Join(errs, ",") != "stderr:e1,stderr:e2,stderr:e3" {
		t.Errorf("lines %q", got)
	}
}

func TestPTY(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	cmd := c.Command(testCtx(t), `tty; test -t 0 && echo stdin-is-tty; echo "$TERM"`)
	cmd.PTY = &vmconn.PTY{Term: "vt100"}
	out, err := cmd.Output()
	got := strings.ReplaceAll(string(out), "\r", "")
	if err != nil || !strings.HasPrefix(got, "/dev/") || !strings.Contains(got, "stdin-is-tty\nvt100\n") {
		t.Errorf("got %q, %v", got, err)
	}
}

// TestCancelKillsRemote: cancelling the context ends the remote process,
// also when the server ignores SSH signal requests.
func TestCancelKillsRemote(t *testing.T) {
	t.Parallel()
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("signals-ignored=%v", ignore), func(t *testing.T) {
			srv := newServer(t)
			srv.SetSignalsIgnored(ignore)
			assertCancelKills(t, dialTest(t, srv, nil))
		})
	}
}

// assertCancelKills cancels a command with a background child and checks
// that Wait returns promptly and the child is gone.
func assertCancelKills(t *testing.T, c *vmconn.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	pids := &notifyWriter{do: func() {}}
	cmd := c.Command(ctx, `sleep 300 & echo $!; wait`)
	cmd.Stdout = pids
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child := waitForPid(t, pids)
	cancel()
	start := time.Now()
	if err := cmd.Wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v; want context.Canceled", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Wait took %v after cancel", took)
	}
	waitGone(t, child)
}

// TestCancelEscalates: a command that ignores the gentle CancelSignal is
// killed after WaitDelay.
func TestCancelEscalates(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	ctx, cancel := context.WithCancel(testCtx(t))
	pids := &notifyWriter{do: func() {}}
	cmd := c.Command(ctx, `trap '' TERM; echo $$; while :; do sleep 0.1; done`)
	cmd.Stdout, cmd.CancelSignal, cmd.WaitDelay = pids, ssh.SIGTERM, 200*time.Millisecond
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := waitForPid(t, pids)
	cancel()
	if err := cmd.Wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v", err)
	}
	waitGone(t, pid)
}

func waitForPid(t *testing.T, w *notifyWriter) int {
	t.Helper()
	testenv.Eventually(t, 5*time.Second, func() bool { return strings.HasSuffix(w.String(), "\n") },
		"command did not print its pid")
	s := w.String()
	pid, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("bad pid line %q", s)
	}
	return pid
}

// waitGone waits (bounded) until process pid no longer exists.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	gone := testenv.Poll(2*time.Second, func() bool {
		if processGone(pid) {
			return true
		}
		// A zombie waiting for its parent's reaper is dead.
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return strings.Contains(string(data), ") Z ")
	})
	if !gone {
		t.Errorf("remote process %d still running", pid)
	}
}

// TestConcurrentCommands: many commands at once over one connection, more
// than the server's session limit: they wait, none fails.
func TestConcurrentCommands(t *testing.T) {
	t.Parallel()
	srv := newServerOpts(t, 3)
	c := dialTest(t, srv, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.Output(testCtx(t), fmt.Sprintf("sleep 0.01; echo %d", i))
			if err == nil && string(out) != fmt.Sprintf("%d\n", i) {
				err = fmt.Errorf("command %d got %q", i, out)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestKeepaliveDetectsStall: a half-open link (the server stops answering,
// nothing is closed) fails the running command with ErrConnLost.
func TestKeepaliveDetectsStall(t *testing.T) {
	// Not parallel: 100ms keepalives must not miss under load before the stall.
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.KeepaliveInterval, cfg.KeepaliveCountMax = 100*time.Millisecond, 3
	c := dialTest(t, srv, cfg)
	cmd := c.Command(testCtx(t), "sleep 60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	srv.Stall(true)
	defer srv.Stall(false)
	err := cmd.Wait()
	if !errors.Is(err, vmconn.ErrConnLost) || !errors.Is(err, vmconn.ErrNoExitStatus) {
		t.Fatalf("Wait = %v; want ErrConnLost and ErrNoExitStatus", err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed")
	}
	if !errors.Is(c.Err(), vmconn.ErrConnLost) {
		t.Errorf("Err = %v", c.Err())
	}
	srv.Stall(false)
	if err := c.Command(testCtx(t), "true").Run(); err != nil {
		t.Errorf("after the link came back: %v", err)
	}
}

func TestDroppedConnection(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	cmd := c.Command(testCtx(t), "sleep 60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections()
	err := cmd.Wait()
	if !errors.Is(err, vmconn.ErrConnLost) || !errors.Is(err, vmconn.ErrNoExitStatus) || !vmconn.Retryable(err) {
		t.Fatalf("Wait = %v; want ErrConnLost+ErrNoExitStatus", err)
	}
}

func TestCloseWhileRunning(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := dialTest(t, srv, nil)
	cmd := c.Command(testCtx(t), "sleep 60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := cmd.Wait(); !errors.Is(err, vmconn.ErrClosed) {
		t.Errorf("Wait = %v; want ErrClosed", err)
	}
	if err := c.Command(testCtx(t), "true").Run(); !errors.Is(err, vmconn.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if _, err := c.Ping(testCtx(t)); !errors.Is(err, vmconn.ErrClosed) {
		t.Errorf("Ping after Close: %v", err)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	if d, err := c.Ping(testCtx(t)); err != nil || d <= 0 {
		t.Errorf("Ping = %v, %v", d, err)
	}
}

// TestLargeOutputConstantMemory streams 256 MiB through a counting writer
// and checks that the heap did not grow with it.
func TestLargeOutputConstantMemory(t *testing.T) {
	// Not parallel: it samples the whole process's heap.
	if testing.Short() {
		t.Skip("short")
	}
	c := dialTest(t, newServer(t), nil)
	var n countWriter
	var peak uint64
	stop := testkit.SampleHeap(&peak)
	cmd := c.Command(testCtx(t), "head -c 268435456 /dev/zero")
	cmd.Stdout = &n
	err := cmd.Run()
	stop()
	if err != nil || n.n != 256<<20 {
		t.Fatalf("got %d bytes, %v", n.n, err)
	}
	if peak > 64<<20 {
		t.Errorf("heap peaked at %d MiB while streaming 256 MiB", peak>>20)
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// TestCancelKillsDetachedChild: a child that moved to a session of its
// own (setsid) carries the command's marker and is killed too.
func TestCancelKillsDetachedChild(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.SetSignalsIgnored(true)
	c := dialTest(t, srv, nil)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	pids := &notifyWriter{do: func() {}}
	cmd := c.Command(ctx, `setsid sleep 300 >/dev/null 2>&1 < /dev/null & echo $!; wait`)
	cmd.Stdout = pids
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child := waitForPid(t, pids)
	cancel()
	if err := cmd.Wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v", err)
	}
	waitGone(t, child)
}

func TestMarkerVisibleToCommand(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	out, err := c.Output(testCtx(t), `printf %s "$VMCONN_CMD"`)
	if err != nil || !strings.Contains(string(out), "-") {
		t.Errorf("marker %q, %v", out, err)
	}
	out2, _ := c.Output(testCtx(t), `printf %s "$VMCONN_CMD"`)
	if string(out) == string(out2) {
		t.Errorf("two commands share the marker %q", out)
	}
}
