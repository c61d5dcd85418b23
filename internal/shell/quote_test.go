package shell

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/testenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var seeds = []string{
	"", "plain", "two words", "it's", `"double"`, `$HOME`, "$(id)", "`id`", `back\slash`, `x\\y`,
	"new\nline", "tab\there", "ünïcödé ✓", "\xff\xfe not utf-8", "*", "?", "~", "~root", "#comment",
	"a;b", "a&&b", "a|b", "<in", ">out", "'", "''", `\'`, "-n", "!", "!!", "^a^b", "{a,b}", "x=y",
	"=ls", "%1", "%s", "\r\n", "\x01",
}

// posixShells parse Quote's output directly.
var posixShells = []string{"sh", "bash", "dash", "zsh", "mksh"}

// TestQuoteRealShell checks that every POSIX shell turns the quoted word
// back into exactly the original bytes.
func TestQuoteRealShell(t *testing.T) {
	t.Parallel()
	for _, sh := range testenv.Installed(t, posixShells) {
		for _, s := range seeds {
			out, err := exec.Command(sh, "-c", "printf '%s' "+Quote(s)).Output()
			if err != nil {
				t.Fatalf("%s with %q: %v", sh, Quote(s), err)
			}
			if !bytes.Equal(out, []byte(s)) {
				t.Errorf("%s: Quote(%q) = %s came back as %q", sh, s, Quote(s), out)
			}
		}
	}
}

// TestJoinFirstWord: the first word always names a command, in every
// POSIX shell: never an assignment, a reserved word or a =cmd path.
func TestJoinFirstWord(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, sh := range testenv.Installed(t, posixShells) {
		path, _ := exec.LookPath(sh)
		for _, w := range []string{"A=B", "time", "if", "while", "!", "{", "[[", "=ls", "function", "coproc"} {
			cmd := exec.Command(path, "-c", Join(w, "x"))
			cmd.Env = []string{"PATH=" + empty}
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 127 || !strings.Contains(string(out), w) {
				t.Errorf("%s -c %s: %v, %q; want command %q not found", sh, Join(w, "x"), err, out, w)
			}
		}
	}
}

func TestJoin(t *testing.T) {
	t.Parallel()
	args := []string{"printf", "%s|", "a b", "it's", "$x", "=y", "A=B"}
	out, err := exec.Command("/bin/sh", "-c", Join(args...)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "a b|it's|$x|=y|A=B|" {
		t.Errorf("got %q", out)
	}
}

func TestIsName(t *testing.T) {
	t.Parallel()
	for k, want := range map[string]bool{"A": true, "_x1": true, "PATH": true, "": false, "1A": false, "A-B": false, "é": false} {
		if got := IsName(k); got != want {
			t.Errorf("IsName(%q) = %v; want %v", k, got, want)
		}
	}
}
