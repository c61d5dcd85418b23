//go:build unix

package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/vmconn/vmconn/internal/testenv"
)

// shellCLI is the test binary playing "vmconn shell" on a pseudo-terminal.
type shellCLI struct {
	t      *testing.T
	cmd    *exec.Cmd
	ptmx   *os.File // the local terminal's controlling side
	out    lockedBuffer
	copied chan struct{}
	done   chan error
}

// startShellCLI starts "vmconn shell args..." on a terminal of 30x90.
func startShellCLI(t *testing.T, args ...string) *shellCLI {
	t.Helper()
	s := &shellCLI{t: t, copied: make(chan struct{}), done: make(chan error, 1)}
	s.cmd = exec.Command(os.Args[0], append([]string{"shell"}, args...)...)
	s.cmd.Env = append(os.Environ(), runMainEnv+"=1", "SSH_AUTH_SOCK=", "TERM=xterm")
	ptmx, err := pty.StartWithSize(s.cmd, &pty.Winsize{Rows: 30, Cols: 90})
	if err != nil {
		t.Fatal(err)
	}
	s.ptmx = ptmx
	go func() { defer close(s.copied); _, _ = io.Copy(&s.out, ptmx) }()
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.copied // EIO once the CLI is gone
		ptmx.Close()
	})
	return s
}

// typeLine types line and Enter on the local terminal.
func (s *shellCLI) typeLine(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.ptmx, line+"\r"); err != nil {
		s.t.Fatal(err)
	}
}

// waitOutput waits until the terminal has shown want.
func (s *shellCLI) waitOutput(want string) {
	s.t.Helper()
	testenv.Eventually(s.t, 30*time.Second, func() bool { return strings.Contains(s.out.String(), want) },
		"terminal shows no %q; it shows %q", want, &s.out)
}

// exitCode waits (bounded) for the CLI to end and returns its status.
func (s *shellCLI) exitCode() int {
	s.t.Helper()
	select {
	case err := <-s.done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			s.t.Fatal(err)
		}
		<-s.copied
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		s.t.Fatalf("the CLI did not end; terminal shows %q", s.out.String())
		return -1
	}
}

// TestShellTerminal: on a terminal, "vmconn shell" opens a login shell on
// a remote terminal of the local size, follows a resize (SIGWINCH), and
// exits with the shell's status.
func TestShellTerminal(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	assertShellTerminal(t, append(flags, srv.Addr())...)
}

// assertShellTerminal runs "vmconn shell args..." on a terminal: stty size
// shows the local size, then a resize, and "exit 7" is the CLI's status.
func assertShellTerminal(t *testing.T, args ...string) {
	t.Helper()
	s := startShellCLI(t, args...)
	s.typeLine("stty size; tty")
	s.waitOutput("30 90\r\n/dev/")
	if err := pty.Setsize(s.ptmx, &pty.Winsize{Rows: 41, Cols: 123}); err != nil {
		t.Fatal(err)
	}
	ok := testenv.Poll(30*time.Second, func() bool { // the resize travels while we type
		s.typeLine("stty size")
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(s.out.String(), "41 123")
	})
	if !ok {
		t.Fatalf("the remote terminal never showed the new size; terminal: %q", s.out.String())
	}
	s.typeLine("exit 7")
	if code := s.exitCode(); code != 7 {
		t.Errorf("exit status %d; want 7", code)
	}
}

// TestShellCommand: a command given runs on the terminal instead of the
// login shell, and its status is the CLI's.
func TestShellCommand(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	s := startShellCLI(t, append(flags, srv.Addr(), "test -t 0 && stty size && exit 3")...)
	if code := s.exitCode(); code != 3 || !strings.Contains(s.out.String(), "30 90") {
		t.Errorf("exit status %d, terminal %q; want 3 and 30 90", code, s.out.String())
	}
}

// TestShellNoTerminal: with stdin a pipe, the shell runs without a remote
// terminal and reads its commands from stdin, as ssh -T.
func TestShellNoTerminal(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	cli := exec.Command(os.Args[0], append([]string{"shell"}, append(flags, srv.Addr())...)...)
	cli.Env = append(os.Environ(), runMainEnv+"=1", "SSH_AUTH_SOCK=")
	cli.Stdin = strings.NewReader("test -t 0 || echo no-tty\nexit 5\n")
	out, err := cli.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 5 || string(out) != "no-tty\n" {
		t.Errorf("got %q, %v; want no-tty and exit status 5", out, err)
	}
}

// keepaliveConfig writes an ssh_config with keepalives every second, so
// that a black-holed link is found within seconds.
func keepaliveConfig(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "config")
	body := "Host *\n  ServerAliveInterval 1\n  ServerAliveCountMax 1\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestShellLost: when the connection is cut, black-holed (found by the
// keepalives) or the machine reboots, the CLI says so in one line and
// exits 255, without hanging.
func TestShellLost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, want    string
		reboot, stall bool
	}{
		{"dropped", "lost; the machine did not reboot", false, false},
		{"rebooted", "lost: the machine rebooted", true, false},
		{"stalled", "lost; no answer since", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, flags := cliServer(t)
			s := startShellCLI(t, append(flags, "-F", keepaliveConfig(t), srv.Addr())...)
			s.typeLine("echo rea''dy")
			s.waitOutput("ready")
			switch {
			case tt.stall:
				srv.Stall(true)
			case tt.reboot:
				srv.Reboot()
			default:
				srv.DropConnections()
			}
			code := s.exitCode()
			if out := s.out.String(); code != 255 || !strings.Contains(out, "vmconn: connection to "+srv.Addr()+" "+tt.want) {
				t.Errorf("exit status %d, terminal %q; want 255 and %q", code, out, tt.want)
			}
		})
	}
}
