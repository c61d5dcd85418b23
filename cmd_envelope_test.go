package vmconn

import (
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/envelope"
)

// TestEnvelopeForm: a command of plain words, with or without Env, goes
// in the envelope's direct form (no printf, no eval on the machine); one
// that holds a single quote, a "!", a backslash, a control character or
// a non-ASCII byte goes in the printf form. Either way the exec line
// decodes to the script.
func TestEnvelopeForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		command string
		env     []string
		direct  bool
	}{
		{"true", nil, true},
		{"true", []string{"TOKEN=it's a \\ secret\n"}, true},
		{`echo "$HOME" > /tmp/x && ls -l | wc -l; exit 3`, nil, true},
		{"echo 'quoted'", nil, false},
		{"echo hi!", nil, false},
		{`printf "a\n"`, nil, false},
		{"echo\tx", nil, false},
		{"echo ü", nil, false},
	} {
		script, header, err := envelopeScript("0123abcd-1", tc.env, tc.command)
		if err != nil {
			t.Fatal(err)
		}
		line, err := envelopeLine(script)
		if err != nil {
			t.Fatal(err)
		}
		if direct := !strings.HasPrefix(line, envelope.Bootstrap); direct != tc.direct {
			t.Errorf("%q: line %q; want direct %v", tc.command, line, tc.direct)
		}
		if got, ok := envelope.Decode(line); !ok || got != script || !strings.HasSuffix(got, tc.command) {
			t.Errorf("%q: Decode(%q) = %q, %v; want %q", tc.command, line, got, ok, script)
		}
		if (header != nil) != (tc.env != nil) || strings.Contains(line, "secret") {
			t.Errorf("%q: header %q, line %q", tc.command, header, line)
		}
	}
}
