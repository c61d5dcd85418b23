package vmconn

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/testenv"
)

var quoteSeeds = []string{
	"", "plain", "two words", "it's", `"double"`, `$HOME`, "$(id)", "`id`", `back\slash`, `x\\y`,
	"new\nline", "tab\there", "ünïcödé ✓", "\xff\xfe not utf-8", "*", "?", "~", "~root", "#comment",
	"a;b", "a&&b", "a|b", "<in", ">out", "'", "''", `\'`, "-n", "!", "!!", "^a^b", "{a,b}", "x=y",
	"=ls", "%1", "%s", "\r\n", "\x01",
}

// loginShells are the shells the envelope must pass through unchanged.
var loginShells = []string{"sh", "bash", "dash", "zsh", "mksh", "fish", "tcsh"}

func checkQuoteRoundTrip(t *testing.T, shell, s string) {
	t.Helper()
	out, err := exec.Command(shell, "-c", "printf '%s' "+ShellQuote(s)).Output()
	if err != nil {
		t.Fatalf("%s with %q: %v", shell, ShellQuote(s), err)
	}
	if !bytes.Equal(out, []byte(s)) {
		t.Errorf("%s: ShellQuote(%q) = %s came back as %q", shell, s, ShellQuote(s), out)
	}
}

// checkEnvelope runs, under a login shell as sshd does, a command that
// prints s as an argument and as an Env value, and checks the bytes.
func checkEnvelope(t *testing.T, shell, s string) {
	t.Helper()
	script, header, err := envelopeScript("0-1", []string{"V=" + s}, ShellJoin("printf", "%s|", s)+`; printf '%s' "$V"`)
	if err != nil {
		t.Fatal(err)
	}
	line, err := envelopeLine(script)
	if err != nil {
		t.Skip("too long")
	}
	cmd := exec.Command(shell, "-c", line)
	cmd.Stdin = bytes.NewReader(header)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if want := s + "|" + s; err != nil || string(out) != want || stderr.Len() != 0 {
		t.Errorf("%s: %q came back as %q (%v, stderr %q)", shell, s, out, err, stderr.String())
	}
}

// FuzzShellQuote: through the envelope, under every login shell, a word
// arrives exactly as an argument and as an Env value.
func FuzzShellQuote(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	shells := testenv.Installed(f, loginShells)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("a shell word cannot hold NUL")
		}
		checkQuoteRoundTrip(t, "/bin/sh", s)
		for _, sh := range shells {
			checkEnvelope(t, sh, s)
		}
	})
}

func TestEnvPrefix(t *testing.T) {
	t.Parallel()
	p, err := envPrefix([]string{"A=1", "B=it's $x", "C="})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/bin/sh", "-c", p+`printf '%s|%s|%s' "$A" "$B" "$C"`).Output()
	if err != nil || string(out) != "1|it's $x|" {
		t.Errorf("got %q, %v", out, err)
	}
	for _, bad := range []string{"NOEQUALS", "1A=x", "A-B=x", "=x", "A=\x00"} {
		if _, err := envPrefix([]string{bad}); !errors.Is(err, ErrConfig) {
			t.Errorf("envPrefix(%q) err = %v; want ErrConfig", bad, err)
		}
	}
}
