package envelope

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/testenv"
)

// loginShells are the shells an envelope must get through unchanged.
var loginShells = []string{"sh", "bash", "dash", "zsh", "mksh", "fish", "tcsh", "busybox"}

// shells returns the installed login shells as argv prefixes; under
// CI=true a missing one fails the test.
func shells(t testing.TB) [][]string {
	t.Helper()
	var out [][]string
	for _, name := range loginShells {
		path, err := exec.LookPath(name)
		if err != nil {
			if testenv.CI() {
				t.Fatalf("%s is not installed (scripts/install-deps.sh); CI=true: not skipping", name)
			}
			t.Logf("%s is not installed: not tried", name)
			continue
		}
		if name == "busybox" {
			out = append(out, []string{path, "sh"})
			continue
		}
		out = append(out, []string{path})
	}
	return out
}

// quote is POSIX single quoting, as vmconn's ShellQuote.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var tricky = []string{
	"", "plain", "two words", "it's", `"double"`, `$HOME`, "$(id)", "`id`", `back\slash`, `x\\y`, `\'`,
	"new\nline", "tab\there", "ünïcödé ✓", "\xff\xfe not utf-8", "*", "?", "~", "~root", "#comment",
	"a;b", "a&&b", "a|b", "<in", ">out", "'", "''", "-n", "!", "!!", "!$", "^a^b", "{a,b}", "x=y", "=ls",
	"%s %d %%", `\141`, "\\", "\r\n", "\x01\x7f", strings.Repeat("long ", 300),
}

// run runs line under the login shell argv with stdin, as sshd does.
func run(t testing.TB, argv []string, line string, stdin []byte) (string, string) {
	t.Helper()
	cmd := exec.Command(argv[0], append(argv[1:], "-c", line)...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("%s: %v; stderr %q", argv[0], err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// TestEveryShell: arguments and header values arrive byte for byte under
// every login shell, with nothing on stderr, and the rest of standard
// input stays for the script.
func TestEveryShell(t *testing.T) {
	t.Parallel()
	for _, argv := range shells(t) {
		for _, s := range tricky {
			hdr := Header("export V=" + quote(s) + "; ")
			line, err := Line("set --; " + ReadHeader + "printf '%s' " + quote(s) + `; printf '|%s|' "$V"; cat`)
			if err != nil {
				t.Fatal(err)
			}
			out, errOut := run(t, argv, line, append(hdr, "rest\\\n"...))
			if want := s + "|" + s + "|rest\\\n"; out != want || errOut != "" {
				t.Errorf("%s, %q: got %q, stderr %q; want %q", argv[0], s, out, errOut, want)
			}
		}
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, s := range tricky {
		line, err := Line(s)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(line[len(Bootstrap):len(line)-1], "'!%\n") {
			t.Errorf("payload of %q holds a special character: %s", s, line)
		}
		if got, ok := Decode(line); !ok || got != s {
			t.Errorf("Decode(Line(%q)) = %q, %v", s, got, ok)
		}
	}
	for _, bad := range []string{"echo hi", Bootstrap + "a'b'", Bootstrap + `\9'`, Bootstrap + `\01'`, Bootstrap + `\777'`, Bootstrap + "!'"} {
		if got, ok := Decode(bad); ok {
			t.Errorf("Decode(%q) = %q, true", bad, got)
		}
	}
	if _, err := Line(strings.Repeat("\n", MaxLine/4)); err != ErrTooLong {
		t.Errorf("huge line: %v", err)
	}
}

// FuzzEnvelope: any NUL-free script decodes to itself, and under every
// login shell a word quoted in it arrives exactly.
func FuzzEnvelope(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	argvs := shells(f)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("a shell word cannot hold NUL")
		}
		line, err := Line("set --; printf '%s' " + quote(s))
		if err != nil {
			t.Skip("too long")
		}
		for _, argv := range argvs {
			if out, errOut := run(t, argv, line, nil); out != s || errOut != "" {
				t.Errorf("%s: %q came back as %q, stderr %q", argv[0], s, out, errOut)
			}
		}
	})
}
