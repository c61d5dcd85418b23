package vmtest

import (
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/envelope"
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
