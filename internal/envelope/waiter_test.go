package envelope

import (
	"bytes"
	"errors"
	"os/exec"
	"runtime"
	"testing"
)

// TestWaiterEveryShell: under every login shell, a waiting session runs
// the script its header carries with $0 "sh" and no arguments, leaves the
// rest of standard input to it, and reaches /bin/sh with the script as
// its -c argument (the marker scan finds a command's shell by it).
func TestWaiterEveryShell(t *testing.T) {
	t.Parallel()
	if !Direct(Waiter) || WaiterLine != directLine(Waiter) {
		t.Fatalf("the waiter is not in the direct form: %q", WaiterLine)
	}
	for _, argv := range shells(t) {
		for _, s := range tricky {
			script := "set --; printf '%s' " + quote(s) + `; printf '|%s|%s|' "$0" "$#"; cat`
			out, errOut := run(t, argv, WaiterLine, append(Header(script), "rest\\\n"...))
			if want := s + "|sh|0|rest\\\n"; out != want || errOut != "" {
				t.Errorf("%s, %q: got %q, stderr %q; want %q", argv[0], s, out, errOut, want)
			}
		}
		if runtime.GOOS == "linux" {
			script := "cat /proc/$$/cmdline; echo x=y"
			out, errOut := run(t, argv, WaiterLine, Header(script))
			if want := "/bin/sh\x00-c\x00" + script + "\x00sh\x00x=y\n"; out != want || errOut != "" {
				t.Errorf("%s: /bin/sh got %q, stderr %q; want %q", argv[0], out, errOut, want)
			}
		}
	}
}

// TestWaiterEndOfInput: a waiting session whose input ends before a
// header runs nothing and exits 1, silently.
func TestWaiterEndOfInput(t *testing.T) {
	t.Parallel()
	for _, argv := range shells(t) {
		for _, in := range []string{"", "echo partial\n", "echo a\necho b"} {
			cmd := exec.Command(argv[0], append(argv[1:], "-c", WaiterLine)...)
			cmd.Stdin = bytes.NewReader([]byte(in))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			var ee *exec.ExitError
			if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 1 || out.Len() != 0 {
				t.Errorf("%s, input %q: %v, output %q; want exit 1 and nothing", argv[0], in, err, out.String())
			}
		}
	}
}
