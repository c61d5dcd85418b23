package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// sudoServer starts sshd with a throwaway user whose sudo rules are rules
// ("" for none), and returns it with a client logged in as that user.
func sudoServer(t *testing.T, rules ...string) (*sshdtest.Server, *vmconn.Client) {
	t.Helper()
	if _, err := exec.LookPath("sudo"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sudo is not installed (apt-get install sudo); CI=true: not skipping")
		}
		t.Skip("sudo is not installed")
	}
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, HostKeyTypes: []string{"ed25519"}})
	var text string
	for _, rule := range rules {
		if rule != "" {
			text += s.User + " " + rule + "\n"
		}
	}
	if text != "" {
		file := filepath.Join("/etc/sudoers.d", s.User) // no dot: sudo skips names with one
		if err := os.WriteFile(file, []byte(text), 0o440); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(file) })
		if out, err := exec.Command("visudo", "-c", "-f", file).CombinedOutput(); err != nil {
			t.Fatalf("sudoers rules %q: %v: %s", rules, err, out)
		}
	}
	return s, dialSSHD(t, s, nil)
}

// TestSudoNoPassword: a NOPASSWD rule; the command runs as root with its
// environment, input, output and exit status, and a password given
// anyway never reaches the command's input.
func TestSudoNoPassword(t *testing.T) {
	_, c := sudoServer(t, "ALL=(ALL) NOPASSWD: ALL")
	for _, pw := range []string{"", "unneeded"} {
		cmd := c.Command(testCtx(t), `id -u; echo "$GREETING"; cat; echo err >&2`)
		cmd.Sudo = &vmconn.Sudo{Password: pw}
		cmd.Env = []string{"GREETING=hello world"}
		cmd.Stdin = strings.NewReader("line one\nline two\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || string(out) != "0\nhello world\nline one\nline two\n" || stderr.String() != "err\n" {
			t.Errorf("password %q: out %q, stderr %q, err %v", pw, out, stderr.String(), err)
		}
	}
	err := sudoCommand(testCtx(t), c, "exit 7", "").Run()
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 7 {
		t.Errorf("exit 7: %v", err)
	}
	sc := c.Command(testCtx(t), "id -un")
	sc.Sudo = &vmconn.Sudo{User: "nobody"}
	if out, err := sc.Output(); err != nil || string(out) != "nobody\n" {
		t.Errorf("as nobody: %q, %v", out, err)
	}
}

// TestSudoPassword: a rule that needs the user's password.
func TestSudoPassword(t *testing.T) {
	s, c := sudoServer(t, "ALL=(ALL) ALL")
	cmd := sudoCommand(testCtx(t), c, "id -u; cat", s.Password)
	cmd.Stdin = strings.NewReader("payload\n")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "0\npayload\n" {
		t.Fatalf("with the password: %q, %v", out, err)
	}
	if strings.Contains(string(out), s.Password) {
		t.Fatal("the password reached the output")
	}
	var se *vmconn.SudoError
	_, err = sudoCommand(testCtx(t), c, "true", "").Output()
	if !errors.As(err, &se) || !se.PasswordRequired || !errors.Is(err, vmconn.ErrSudo) || vmconn.Retryable(err) {
		t.Errorf("without a password: %v (%+v)", err, se)
	}
	cmd = sudoCommand(testCtx(t), c, "cat", "wrong")
	cmd.Stdin = strings.NewReader(s.Password + "\n") // must not count as a second attempt
	_, err = cmd.Output()
	if !errors.As(err, &se) || !se.WrongPassword {
		t.Errorf("wrong password: %v (%+v)", err, se)
	}
	t.Logf("wrong password: %v", err)
}

// TestSudoNotAllowed: a user with no sudo rule, with its right password.
func TestSudoNotAllowed(t *testing.T) {
	s, c := sudoServer(t, "")
	cmd := sudoCommand(testCtx(t), c, "true", s.Password)
	out, err := cmd.CombinedOutput()
	var se *vmconn.SudoError
	if !errors.As(err, &se) || se.Msg == "" || se.WrongPassword || strings.Contains(string(out), s.Password) {
		t.Fatalf("user without a sudo rule: %v (%+v), output %q", err, se, out)
	}
	t.Logf("not allowed: %v", err)
}

// TestSudoCancel: cancelling kills the whole root process group,
// children included, within about WaitDelay.
func TestSudoCancel(t *testing.T) {
	s, c := sudoServer(t, "ALL=(ALL) ALL")
	ctx, cancel := context.WithCancel(testCtx(t))
	cmd := sudoCommand(ctx, c, "sleep 3131 & sh -c 'sleep 3132; true'; wait", s.Password)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sudoWaitProcs(t, 2, 5*time.Second)
	cancel()
	start := time.Now()
	err := cmd.Wait()
	if !errors.Is(err, context.Canceled) || time.Since(start) > 3*time.Second {
		t.Fatalf("Wait = %v after %v", err, time.Since(start))
	}
	sudoWaitProcs(t, 0, 5*time.Second)
}

// sudoCommand returns a command run as root through sudo with password.
func sudoCommand(ctx context.Context, c *vmconn.Client, command, password string) *vmconn.Cmd {
	cmd := c.Command(ctx, command)
	cmd.Sudo = &vmconn.Sudo{Password: password}
	return cmd
}

// sudoWaitProcs waits until n of the test's root sleeps run.
func sudoWaitProcs(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := 0
		dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range dirs {
			b, _ := os.ReadFile(f)
			if s := string(b); s == "sleep\x003131\x00" || s == "sleep\x003132\x00" {
				got++
			}
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d root sleeps running, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
