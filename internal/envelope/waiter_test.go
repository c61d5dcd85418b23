package envelope

import (
	"bytes"
	"errors"
	"os/exec"
	"runtime"
	"testing"
)

// waiterPrefix stands for vmconn's marker export.
const waiterPrefix = "export VMCONN_CMD=0123abcd-7; "

// TestWaiterEveryShell: under every login shell, a waiting session runs
// the script its header carries with $0 "sh", no arguments and none of
// its own variables, leaves the rest of standard input to it, and exits
// with the script's status; its command line holds the prefix (the
// marker scan finds a command's shell by it).
func TestWaiterEveryShell(t *testing.T) {
	t.Parallel()
	line, err := WaiterLine(waiterPrefix)
	if err != nil || line != directLine(waiterPrefix+Waiter) {
		t.Fatalf("WaiterLine = %q, %v: not in the direct form", line, err)
	}
	if p, ok := IsWaiter(waiterPrefix + Waiter); !ok || p != waiterPrefix {
		t.Errorf("IsWaiter = %q, %v", p, ok)
	}
	if _, err := WaiterLine("a'b; "); err == nil {
		t.Error("WaiterLine took a prefix that is not direct-safe")
	}
	for _, argv := range shells(t) {
		for _, s := range tricky {
			script := "set --; printf '%s' " + quote(s) + `; printf '|%s|%s|%s%s|%s|' "$0" "$#" "$__vmconn_s" "$__vmconn_l" "$VMCONN_CMD"; cat`
			out, errOut := run(t, argv, line, append(Header(script), "rest\\\n"...))
			if want := s + "|sh|0||0123abcd-7|rest\\\n"; out != want || errOut != "" {
				t.Errorf("%s, %q: got %q, stderr %q; want %q", argv[0], s, out, errOut, want)
			}
		}
		cmd := exec.Command(argv[0], append(argv[1:], "-c", line)...)
		cmd.Stdin = bytes.NewReader(Header("true; (exit 7)"))
		var ee *exec.ExitError
		if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 7 {
			t.Errorf("%s: exit status %v, want 7", argv[0], err)
		}
		if runtime.GOOS == "linux" {
			script := "tr '\\0' ' ' < /proc/$$/cmdline"
			out, errOut := run(t, argv, line, Header(script))
			if want := "/bin/sh -c " + waiterPrefix + Waiter + " sh "; out != want || errOut != "" {
				t.Errorf("%s: the shell's command line is %q, stderr %q; want %q", argv[0], out, errOut, want)
			}
		}
	}
}

// TestWaiterEndOfInput: a waiting session whose input ends before a
// header runs nothing and exits 1, silently.
func TestWaiterEndOfInput(t *testing.T) {
	t.Parallel()
	line, _ := WaiterLine(waiterPrefix)
	for _, argv := range shells(t) {
		for _, in := range []string{"", "echo partial\n", "echo a\necho b"} {
			cmd := exec.Command(argv[0], append(argv[1:], "-c", line)...)
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
