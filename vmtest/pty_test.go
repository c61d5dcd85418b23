package vmtest

import (
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestPty(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm-test", 40, 100, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("tty; test -t 0 && test -t 1 && echo isatty; echo $TERM; stty size; echo err >&2")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\r\n"), "\r\n")
	want := []string{"/dev/pts/", "isatty", "xterm-test", "40 100", "err"}
	if len(lines) != len(want) {
		t.Fatalf("output %q", out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

func TestNoPty(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	if out := mustRun(t, c, "test -t 0 || test -t 1 || echo notty"); out != "notty\n" {
		t.Errorf("output %q", out)
	}
}

func TestPtyExitStatusAndSignal(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	for _, tt := range []struct {
		cmd    string
		status int
		signal string
	}{{"exit 5", 5, ""}, {"kill -TERM $$", 0, "TERM"}} {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		ee := exitError(t, sess.Run(tt.cmd))
		if ee.Signal() != tt.signal || (tt.signal == "" && ee.ExitStatus() != tt.status) {
			t.Errorf("%q: status %d signal %q", tt.cmd, ee.ExitStatus(), ee.Signal())
		}
		sess.Close()
	}
}

func TestPtyWindowChange(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out, _ := sess.StdoutPipe()
	cmd := `echo ready; while [ "$(stty size)" != "50 120" ]; do sleep 0.02; done; echo resized`
	if err := sess.Start(cmd); err != nil {
		t.Fatal(err)
	}
	st := &started{sess: sess, lines: newScanner(out)}
	if got := strings.TrimSpace(st.line(t)); got != "ready" {
		t.Fatalf("got %q", got)
	}
	if err := sess.WindowChange(50, 120); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(st.line(t)); got != "resized" {
		t.Fatalf("got %q", got)
	}
	if err := st.waitResult(t); err != nil {
		t.Fatal(err)
	}
}
