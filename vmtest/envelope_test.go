package vmtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/envelope"
	"golang.org/x/crypto/ssh"
)

// wrap builds the exec line vmconn sends for command (see vmconn's
// REMOTE.md), with the Env header snippet when env is set.
func wrap(t *testing.T, command string, env bool) string {
	t.Helper()
	script := "set --; export VMCONN_CMD=0123abcd-7; "
	if env {
		script += envelope.ReadHeader
	}
	line, err := envelope.Line(script + command)
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// TestEnvelopeUnwrapped: the server records, intercepts and runs the
// command inside an envelope as the caller gave it.
func TestEnvelopeUnwrapped(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	const command = `printf '%s|' "it's" 'x\\y'`
	if out := mustRun(t, c, wrap(t, command, false)); out != `it's|x\\y|` {
		t.Errorf("output %q", out)
	}
	if got := mustRun(t, c, wrap(t, bootIDCommand, true)); got != s.BootID()+"\n" {
		t.Errorf("enveloped boot id read = %q", got)
	}
	if got := s.Commands(); len(got) != 2 || got[0] != command || got[1] != bootIDCommand {
		t.Errorf("Commands() = %q", got)
	}
	old := s.BootID()
	_, _, err := run(t, c, wrap(t, "sudo reboot", false), "")
	if err == nil || s.BootID() == old {
		t.Errorf("enveloped reboot: err %v, boot id %s (was %s): not intercepted", err, s.BootID(), old)
	}
}

// TestEnvelopeForms: commands in either form of the envelope, direct
// (plain words) or printf (quotes, newlines), with or without the Env
// header snippet, are recorded as given and run with their standard input.
func TestEnvelopeForms(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	var want []string
	for _, command := range []string{`cat; echo "$0 $#"`, "cat; echo 'it''s'\n"} {
		if direct := !strings.HasPrefix(wrap(t, command, false), envelope.Bootstrap); direct != envelope.Direct(command) {
			t.Errorf("%q: direct form %v", command, direct)
		}
		for _, env := range []bool{false, true} {
			stdin := "in\n"
			if env {
				stdin = string(envelope.Header("export V=1; ")) + stdin
			}
			out, _, err := run(t, c, wrap(t, command, env), stdin)
			if err != nil || !strings.HasPrefix(out, "in\n") {
				t.Errorf("%q (env %v): %q, %v", command, env, out, err)
			}
			want = append(want, command)
		}
	}
	if got := s.Commands(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Commands() = %q; want %q", got, want)
	}
}

// TestRefusalNamesTheWord: a refused command line says which word made
// the server refuse it.
func TestRefusalNamesTheWord(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	for cmd, word := range map[string]string{
		`echo "please do not reboot"`:    `"reboot"`,
		wrap(t, "sh -c 'init 0'", false): `"init 0"`,
		"echo b > /proc/sysrq-trigger":   `"sysrq-trigger"`,
	} {
		_, errOut, err := run(t, c, cmd, "")
		if ee := exitError(t, err); ee.ExitStatus() != 126 || !strings.Contains(errOut, word) {
			t.Errorf("%q: status %d, stderr %q; want 126 naming %s", cmd, ee.ExitStatus(), errOut, word)
		}
	}
}

// TestWaitingSession: a waiting session (vmconn's Config.WarmSession)
// gets its command on standard input; the server records, intercepts and
// runs that command as it would the same envelope sent as the exec
// request, with the rest of standard input and the Env header. Input
// that ends first runs nothing and exits 1.
func TestWaitingSession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	c := dial(t, s)
	script := func(command string, env bool) string {
		p := "set --; export VMCONN_CMD=0123abcd-7; "
		if env {
			p += envelope.ReadHeader
		}
		return p + command
	}
	const command = `cat; printf '|%s|%s|%s' "$0" "$#" "$V"`
	hdr := string(envelope.Header(script(command, true))) + string(envelope.Header("export V='it'\\''s'; "))
	out, errOut, err := run(t, c, waiterLine(t), hdr+"rest\n")
	if want := "rest\n|sh|0|it's"; err != nil || out != want || errOut != "" {
		t.Errorf("waiting session: %q, %q, %v; want %q", out, errOut, err, want)
	}
	if got := string(envelope.Header(script(bootIDCommand, false))); mustRunIn(t, c, got) != s.BootID()+"\n" {
		t.Error("boot id read in a waiting session not answered with the fake")
	}
	if got := s.Commands(); len(got) != 2 || got[0] != command || got[1] != bootIDCommand {
		t.Errorf("Commands() = %q", got)
	}
	for _, in := range []string{"", "echo partial\n"} {
		out, _, err := run(t, c, waiterLine(t), in)
		var ee *ssh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 1 || out != "" {
			t.Errorf("input %q: %q, %v; want exit 1 and no output", in, out, err)
		}
	}
	old := s.BootID()
	if _, _, err := run(t, c, waiterLine(t), string(envelope.Header(script("reboot", false)))); err == nil || s.BootID() == old {
		t.Errorf("reboot in a waiting session: err %v, boot id unchanged %v: not intercepted", err, s.BootID() == old)
	}
}

// mustRunIn runs the command that header carries in a waiting session.
func mustRunIn(t *testing.T, c *ssh.Client, header string) string {
	t.Helper()
	out, errOut, err := run(t, c, waiterLine(t), header)
	if err != nil {
		t.Fatalf("waiting session: %v (stderr %q)", err, errOut)
	}
	return out
}

// waiterLine is the exec request of a waiting session, as vmconn sends it.
func waiterLine(t *testing.T) string {
	t.Helper()
	line, err := envelope.WaiterLine("export VMCONN_CMD=0123abcd-8; ")
	if err != nil {
		t.Fatal(err)
	}
	return line
}
