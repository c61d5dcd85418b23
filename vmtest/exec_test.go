package vmtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExecExitStatus(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	tests := []struct {
		cmd    string
		status int // 0: success
	}{
		{"true", 0},
		{"exit 3", 3},
		{"false", 1},
		{"exit 255", 255},
		{"/nonexistent/command", 127},
	}
	for _, tt := range tests {
		_, _, err := run(t, c, tt.cmd, "")
		if tt.status == 0 {
			if err != nil {
				t.Errorf("%q: %v", tt.cmd, err)
			}
			continue
		}
		ee := exitError(t, err)
		if ee.ExitStatus() != tt.status || ee.Signal() != "" {
			t.Errorf("%q: status %d signal %q, want status %d", tt.cmd, ee.ExitStatus(), ee.Signal(), tt.status)
		}
	}
}

func TestStdoutStderrSeparate(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	out, errOut, err := run(t, c, "echo out; echo err >&2; echo out2", "")
	if err != nil {
		t.Fatal(err)
	}
	if out != "out\nout2\n" || errOut != "err\n" {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

func TestStdin(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	input := strings.Repeat("0123456789abcdef", 16<<10) // bigger than a pipe buffer
	out, _, err := run(t, c, "cat", input)
	if err != nil {
		t.Fatal(err)
	}
	if out != input {
		t.Errorf("cat returned %d bytes, want %d", len(out), len(input))
	}
	// Channel EOF is end of file on stdin.
	if out := mustRun(t, c, "wc -l"); strings.TrimSpace(out) != "0" {
		t.Errorf("wc -l with empty stdin = %q", out)
	}
}

func TestEnvRequests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{BootID: "11111111-2222-3333-4444-555555555555"})
	c := dial(t, s)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Setenv("VMTEST_FOO", "bar baz"); err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output(`echo "$VMTEST_FOO|$VMTEST_BOOT_ID"`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "bar baz|" + s.BootID() + "\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestWorkingDirectoryIsRealHome: with RealHome, commands start in the
// user's own home directory.
func TestWorkingDirectoryIsRealHome(t *testing.T) {
	t.Parallel()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory")
	}
	want, err := filepath.EvalSymlinks(home)
	if err != nil {
		t.Skip("home directory does not exist")
	}
	c := dial(t, newTestServer(t, Options{RealHome: true}))
	if got := strings.TrimSpace(mustRun(t, c, "pwd -P")); got != want {
		t.Errorf("pwd = %q, want %q", got, want)
	}
}

func TestBootIDCommandIntercepted(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	if len(s.BootID()) != 36 {
		t.Errorf("default boot id %q is not a UUID", s.BootID())
	}
	out := mustRun(t, c, bootIDCommand)
	if out != s.BootID()+"\n" {
		t.Errorf("%s = %q, want %q", bootIDCommand, out, s.BootID()+"\n")
	}
	if got := s.Commands(); len(got) != 1 || got[0] != bootIDCommand {
		t.Errorf("Commands() = %q", got)
	}
}

func TestStreaming(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	// The command blocks on stdin after its first line: that line can
	// only arrive if output is not buffered until exit.
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	stdin, _ := sess.StdinPipe()
	out, _ := sess.StdoutPipe()
	if err := sess.Start("echo first; read x; echo second $x"); err != nil {
		t.Fatal(err)
	}
	st := &started{sess: sess, lines: newScanner(out)}
	if got := st.line(t); got != "first" {
		t.Fatalf("first line %q", got)
	}
	stdin.Write([]byte("go\n"))
	if got := st.line(t); got != "second go" {
		t.Fatalf("second line %q", got)
	}
	if err := st.waitResult(t); err != nil {
		t.Fatal(err)
	}
}

func TestStreamingArrivesBeforeExit(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	st := startCmd(t, c, "for i in 1 2 3 4 5; do echo $i; sleep 0.1; done")
	exited := make(chan error, 1)
	go func() { exited <- st.sess.Wait() }()
	for want := 1; want <= 5; want++ {
		got := st.line(t)
		if got != string(rune('0'+want)) {
			t.Fatalf("line %q, want %d", got, want)
		}
		if want == 1 {
			select {
			case <-exited:
				t.Fatal("first line arrived only after the command ended")
			default:
			}
		}
	}
	if err := <-exited; err != nil {
		t.Fatal(err)
	}
}

func TestShellRequest(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out strings.Builder
	sess.Stdin = strings.NewReader("echo hi from shell\nexit 4\n")
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if ee := exitError(t, sess.Wait()); ee.ExitStatus() != 4 {
		t.Errorf("exit status %d, want 4", ee.ExitStatus())
	}
	if out.String() != "hi from shell\n" {
		t.Errorf("output %q", out.String())
	}
}

// TestSubsystemRejected: subsystems other than sftp are refused, and
// sftp too with NoSFTP.
func TestSubsystemRejected(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		o    Options
		name string
	}{{Options{}, "netconf"}, {Options{NoSFTP: true}, "sftp"}} {
		c := dial(t, newTestServer(t, tt.o))
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		if err := sess.RequestSubsystem(tt.name); err == nil {
			t.Errorf("subsystem %s accepted", tt.name)
		}
	}
}

func TestMissingShell(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{Shell: "/nonexistent/sh"}))
	_, errOut, err := run(t, c, "true", "")
	if ee := exitError(t, err); ee.ExitStatus() != 127 {
		t.Errorf("status %d, want 127", ee.ExitStatus())
	}
	if !strings.Contains(errOut, "vmtest:") {
		t.Errorf("stderr %q", errOut)
	}
}
