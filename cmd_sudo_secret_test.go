package vmconn_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
)

// TestSudoNoPasswordForSh: sudoers asks for a password for everything but
// sh; the password given is never sent, so it cannot reach the command.
func TestSudoNoPasswordForSh(t *testing.T) {
	s, c := sudoServer(t, "ALL=(ALL) ALL", "ALL=(ALL) NOPASSWD: /usr/bin/sh, /bin/sh")
	cmd := sudoCommand(testCtx(t), c, "id -u; cat", s.Password)
	cmd.Stdin = strings.NewReader("payload\n")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "0\npayload\n" {
		t.Errorf("got %q, %v; want the command's input only", out, err)
	}
}

// TestSudoPTY: with a terminal, the password is neither echoed nor lost
// to sudo's flush of early input, and the command gets its input.
func TestSudoPTY(t *testing.T) {
	s, c := sudoServer(t, "ALL=(ALL) ALL")
	cmd := sudoCommand(testCtx(t), c, `id -u; printf '%s|' "$V"; IFS= read -r l; echo "got $l"`, s.Password)
	cmd.Env = []string{"V=env value"}
	cmd.PTY = &vmconn.PTY{}
	cmd.Stdin = strings.NewReader("line\n")
	out, err := cmd.Output()
	got := strings.ReplaceAll(string(out), "\r", "")
	if err != nil || got != "0\nenv value|got line\n" || strings.Contains(got, s.Password) {
		t.Errorf("got %q, %v", got, err)
	}
}

// TestSecretsOffCommandLines: while commands with a secret Env value, and
// a sudo password, run on the machine, no process's command line holds
// either.
func TestSecretsOffCommandLines(t *testing.T) {
	s, c := sudoServer(t, "ALL=(ALL) ALL")
	const secret = "S3cr3t-env-value-7f1c"
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	plain := c.Command(ctx, `echo up; sleep 30`)
	sudo := sudoCommand(ctx, c, `echo up; sleep 30`, s.Password)
	for _, cmd := range []*vmconn.Cmd{plain, sudo} {
		cmd.Env = []string{"API_TOKEN=" + secret}
	}
	started := make(chan struct{}, 2)
	plain.Stdout = &notifyWriter{want: "up", do: func() { started <- struct{}{} }}
	sudo.Stdout = &notifyWriter{want: "up", do: func() { started <- struct{}{} }}
	if err := plain.Start(); err != nil {
		t.Fatal(err)
	}
	if err := sudo.Start(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("commands did not start")
		}
	}
	testkit.ScanCmdlines(t, secret, s.Password)
	cancel()
	plain.Wait()
	sudo.Wait()
}
