package vmconn

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

var quoteSeeds = []string{
	"", "plain", "two words", "it's", `"double"`, `$HOME`, "$(id)", "`id`", `back\slash`,
	"new\nline", "tab\there", "ünïcödé ✓", "\xff\xfe not utf-8", "*", "?", "~", "#comment",
	"a;b", "a&&b", "a|b", "<in", ">out", "'", "''", `\'`, "-n", "!", "{a,b}", "x=y",
}

// TestShellQuoteRealShell checks that the real shell turns the quoted
// word back into exactly the original bytes.
func TestShellQuoteRealShell(t *testing.T) {
	for _, s := range quoteSeeds {
		checkQuoteRoundTrip(t, "/bin/sh", s)
	}
	if _, err := exec.LookPath("bash"); err == nil {
		for _, s := range quoteSeeds {
			checkQuoteRoundTrip(t, "bash", s)
		}
	}
}

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

func FuzzShellQuote(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("a shell word cannot hold NUL")
		}
		checkQuoteRoundTrip(t, "/bin/sh", s)
	})
}

func TestShellJoin(t *testing.T) {
	args := []string{"printf", "%s|", "a b", "it's", "$x"}
	out, err := exec.Command("/bin/sh", "-c", ShellJoin(args...)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "a b|it's|$x|" {
		t.Errorf("got %q", out)
	}
}

func TestEnvPrefix(t *testing.T) {
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
