package vmconn_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/envelope"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// loginShells are the login shells under which every command must run
// the same.
var loginShells = []string{"sh", "bash", "dash", "zsh", "mksh", "fish", "tcsh"}

// trickyArgs are words that some login shell would change if vmconn let
// it parse them.
var trickyArgs = []string{
	"", "it's", `"dq"`, `$HOME`, "$(id)", "`id`", `x\\y`, `p\q`, `\'`, "!", "!!", "!$", "^a^b",
	"=ls", "~", "~root", "*", "{a,b}", "a=b", "%s", "new\nline", "tab\t", "ü\xff", "#c", "-n",
}

// shellServer starts sshd with a throwaway user whose login shell is
// shell, and returns it with a client logged in as that user.
func shellServer(t *testing.T, shell string) (*sshdtest.Server, *vmconn.Client) {
	t.Helper()
	s := sshdtest.Start(t, sshdtest.Options{PasswordUser: true, LoginShell: shell, HostKeyTypes: []string{"ed25519"}})
	return s, dialSSHD(t, s, nil)
}

// TestLoginShells: under every login shell, commands see their words and
// Env values byte for byte, exit statuses and streams come back as they
// are with nothing added to stderr, and cancel kills a setsid child (job/
// checks jobs under every login shell).
func TestLoginShells(t *testing.T) {
	for _, shell := range loginShells {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			_, c := shellServer(t, shell)
			t.Run("words", func(t *testing.T) { checkWords(t, c) })
			t.Run("direct form", func(t *testing.T) { checkDirect(t, c) })
			t.Run("status and streams", func(t *testing.T) { checkStreams(t, c) })
			t.Run("first words", func(t *testing.T) { checkFirstWords(t, c) })
			t.Run("pty", func(t *testing.T) { checkPTYEnv(t, c) })
			t.Run("cancel", func(t *testing.T) { checkCancelSetsid(t, c) })
		})
	}
}

func checkWords(t *testing.T, c *vmconn.Client) {
	env := make([]string, len(trickyArgs))
	for i, a := range trickyArgs {
		env[i] = "V" + string(rune('A'+i)) + "=" + a
	}
	cmd := c.Command(testCtx(t), vmconn.ShellJoin(append([]string{"printf", `%s\0`}, trickyArgs...)...)+
		`; env | grep '^V[A-Z]=' >/dev/null; for v in `+varNames(len(trickyArgs))+`; do eval "printf '%s\0' \"\$$v\""; done`)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	want := strings.Join(trickyArgs, "\x00") + "\x00"
	if err != nil || string(out) != want+want || stderr.Len() != 0 {
		t.Errorf("err %v, stderr %q\ngot  %q\nwant %q", err, stderr.String(), out, want+want)
	}
}

// checkDirect: a command that travels in the envelope's direct form
// (no printf, no eval) runs as /bin/sh's script with $0 "sh" and no
// arguments, and still gets its Env values byte for byte from the header.
func checkDirect(t *testing.T, c *vmconn.Client) {
	const command = `printf "%s|%s|%s|%s" "$0" "$#" "$V" "%d ^a^b {a,b} ~ * #c =ls x=y"`
	if !envelope.Direct(command) {
		t.Fatalf("not direct-safe: %q", command)
	}
	for _, v := range trickyArgs {
		cmd := c.Command(testCtx(t), command)
		cmd.Env = []string{"V=" + v}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if want := "sh|0|" + v + "|%d ^a^b {a,b} ~ * #c =ls x=y"; err != nil || string(out) != want || stderr.Len() != 0 {
			t.Errorf("V=%q: got %q, %v, stderr %q; want %q", v, out, err, stderr.String(), want)
		}
	}
}

// varNames lists VA, VB, ... for n variables.
func varNames(n int) string {
	var names []string
	for i := range n {
		names = append(names, "V"+string(rune('A'+i)))
	}
	return strings.Join(names, " ")
}

func checkStreams(t *testing.T, c *vmconn.Client) {
	cmd := c.Command(testCtx(t), "echo out; echo err >&2; cat; exit 7")
	cmd.Stdin = strings.NewReader("in\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 7 || stdout.String() != "out\nin\n" || stderr.String() != "err\n" {
		t.Errorf("err %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
}

// checkFirstWords: ShellJoin's first word is a command, never an
// assignment or a reserved word.
func checkFirstWords(t *testing.T, c *vmconn.Client) {
	for _, first := range []string{"A=B", "time", "if", "!", "{", "=echo"} {
		out, err := c.Output(testCtx(t), vmconn.ShellJoin(first, "x")+" 2>&1; echo \" $?\"")
		if err != nil || !strings.HasSuffix(string(out), " 127\n") || !strings.Contains(string(out), first+": ") {
			t.Errorf("first word %q: %q, %v; want command not found (127)", first, out, err)
		}
	}
}

func checkCancelSetsid(t *testing.T, c *vmconn.Client) {
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

// checkPTYEnv: on a terminal, Env values arrive and are not echoed, in
// a plain header and in one in the printf escaping.
func checkPTYEnv(t *testing.T, c *vmconn.Client) {
	for _, w := range []string{"plain", "ü\tx"} {
		cmd := c.Command(testCtx(t), `printf '%s|%s|' "$V" "$W"; IFS= read -r l; echo "got $l"`)
		cmd.Env = []string{`V=p\\q it's`, "W=" + w}
		cmd.PTY = &vmconn.PTY{}
		cmd.Stdin = strings.NewReader("line\n")
		out, err := cmd.Output()
		if got := strings.ReplaceAll(string(out), "\r", ""); err != nil || got != `p\\q it's|`+w+"|got line\n" {
			t.Errorf("W=%q: got %q, %v", w, got, err)
		}
	}
}
