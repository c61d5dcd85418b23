package envelope

import (
	"bytes"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/testenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
	"%s %d %%", `\141`, "\\", "\r\n", "\x01\x7f", strings.Repeat("long ", 300), "-c", "+x", "--",
	"$0 $1 $# \"$@\" ${x:-y} $((1+2))", "&", "(", "{ }", "[a-z]*", "%", "%1", "`", `"`,
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
// every login shell, in both forms, with nothing on stderr, and the rest
// of standard input stays for the script.
func TestEveryShell(t *testing.T) {
	t.Parallel()
	// Direct-safe: the value travels in the header only.
	direct := "set --; " + ReadHeader + `printf "%s|%s|%s|" "$0" "$#" "$V"; cat`
	if !Direct(direct) {
		t.Fatalf("not direct-safe: %q", direct)
	}
	for _, argv := range shells(t) {
		for _, s := range tricky {
			hdr := Header("export V=" + quote(s) + "; ")
			line := printfLine("set --; " + ReadHeader + "printf '%s' " + quote(s) + `; printf '|%s|' "$V"; cat`)
			out, errOut := run(t, argv, line, append(hdr, "rest\\\n"...))
			if want := s + "|" + s + "|rest\\\n"; out != want || errOut != "" {
				t.Errorf("%s, printf form, %q: got %q, stderr %q; want %q", argv[0], s, out, errOut, want)
			}
			out, errOut = run(t, argv, directLine(direct), append(hdr, "rest\\\n"...))
			if want := "sh|0|" + s + "|rest\\\n"; out != want || errOut != "" {
				t.Errorf("%s, direct form, %q: got %q, stderr %q; want %q", argv[0], s, out, errOut, want)
			}
		}
	}
}

// checkDirectArgv: the direct form of a script that holds s (its
// direct-safe bytes) reaches /bin/sh as that very argument.
func checkDirectArgv(t testing.TB, argv []string, s string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	script := "cat /proc/$$/cmdline #" + directBytes(s)
	out, errOut := run(t, argv, directLine(script), nil)
	if want := "/bin/sh\x00-c\x00" + script + "\x00sh\x00"; out != want || errOut != "" {
		t.Errorf("%s, direct form: /bin/sh got %q, stderr %q; want %q", argv[0], out, errOut, want)
	}
}

// directBytes keeps the bytes of s that a direct script may hold.
func directBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if directSafe(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, s := range tricky {
		line := printfLine(s)
		if strings.ContainsAny(line[len(Bootstrap):len(line)-1], "'!%\n") {
			t.Errorf("payload of %q holds a special character: %s", s, line)
		}
		if got, ok := Decode(line); !ok || got != s {
			t.Errorf("Decode(printf form of %q) = %q, %v", s, got, ok)
		}
		checkLine(t, s)
	}
	for _, bad := range []string{
		"echo hi", Bootstrap + "a'b'", Bootstrap + `\9'`, Bootstrap + `\01'`, Bootstrap + `\777'`, Bootstrap + "!'",
		Prefix + "a!b" + directEnd, Prefix + `a\b` + directEnd, Prefix + "a'b" + directEnd, Prefix + "-x" + directEnd,
		Prefix + "ab", Prefix + "a\nb" + directEnd, Prefix + "\xc3\xbc" + directEnd, Prefix + "a\tb" + directEnd,
	} {
		if got, ok := Decode(bad); ok {
			t.Errorf("Decode(%q) = %q, true", bad, got)
		}
	}
	for _, huge := range []string{strings.Repeat("\n", MaxLine/4), strings.Repeat("x", MaxLine)} {
		if _, err := Line(huge); err != ErrTooLong {
			t.Errorf("huge line: %v", err)
		}
	}
}

// TestHeaderForms: a header of printable ASCII travels as it is, any
// other in the printf escaping; both in lines of at most 512 bytes
// without control characters, ended by an empty line.
func TestHeaderForms(t *testing.T) {
	t.Parallel()
	for _, s := range tricky {
		script := "export V=" + quote(s) + "; "
		hdr := string(Header(script))
		body, ok := strings.CutSuffix(hdr, "\n\n")
		if !ok {
			t.Errorf("header of %q does not end with an empty line: %q", s, hdr)
		}
		for _, l := range strings.Split(body, "\n") {
			if len(l) > headerLine || l == "" || !plain(l) {
				t.Errorf("header of %q: line %q", s, l)
			}
		}
		joined := strings.ReplaceAll(body, "\n", "")
		if plain(script) && joined != script {
			t.Errorf("plain header of %q: %q", s, joined)
		}
		if !plain(script) {
			p, ok := strings.CutPrefix(joined, `eval "$(printf '`)
			if p, ok2 := strings.CutSuffix(p, `')"`); !ok || !ok2 || Escape(script) != p {
				t.Errorf("escaped header of %q: %q", s, joined)
			}
		}
	}
}

// checkLine: Line takes the direct form exactly when s allows it, and
// Decode returns s from it.
func checkLine(t *testing.T, s string) {
	t.Helper()
	line, err := Line(s)
	if err != nil {
		t.Fatal(err)
	}
	want := printfLine(s)
	if Direct(s) {
		want = directLine(s)
	}
	if line != want {
		t.Errorf("Line(%q) = %q; want %q", s, line, want)
	}
	if got, ok := Decode(line); !ok || got != s {
		t.Errorf("Decode(Line(%q)) = %q, %v", s, got, ok)
	}
}

// FuzzEnvelope: any NUL-free script decodes to itself from the form Line
// picks and from the printf form; under every login shell a word quoted
// in a script arrives exactly through the printf form, and a script made
// of the word's direct-safe bytes reaches /bin/sh unchanged through the
// direct form.
func FuzzEnvelope(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	argvs := shells(f)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("a shell word cannot hold NUL")
		}
		if len(s) > MaxLine/4 {
			t.Skip("too long")
		}
		checkLine(t, s)
		if got, ok := Decode(printfLine(s)); !ok || got != s {
			t.Errorf("Decode(printf form of %q) = %q, %v", s, got, ok)
		}
		line := printfLine("set --; printf '%s' " + quote(s))
		for _, argv := range argvs {
			if out, errOut := run(t, argv, line, nil); out != s || errOut != "" {
				t.Errorf("%s: %q came back as %q, stderr %q", argv[0], s, out, errOut)
			}
			checkDirectArgv(t, argv, s)
		}
	})
}
