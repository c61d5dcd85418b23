//go:build linux

package netns

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ChildEnv is set (to "1") in the environment of a test binary that
// RunTest started inside a host; InChild tests for it.
const ChildEnv = "VMCONN_NETNS_CHILD"

// InChild reports whether this process is a test binary started by
// RunTest or TestCommand, inside a lab host.
func InChild() bool { return os.Getenv(ChildEnv) == "1" }

// TestCommand returns a command that runs this test binary inside the
// host's namespace with the given flags (e.g. "-test.run=^TestX$") and
// ChildEnv=1 added to the environment, plus env ("KEY=value").
func (h *Host) TestCommand(ctx context.Context, env []string, flags ...string) *exec.Cmd {
	cmd := h.Command(ctx, append([]string{os.Args[0]}, flags...)...)
	cmd.Env = append(append(os.Environ(), ChildEnv+"=1"), env...)
	return cmd
}

// RunTest runs the test named name (a top-level test of this binary)
// inside the host's namespace, with env added to the environment, and
// returns its output. It fails tb with that output if the child test
// fails; the output is logged either way.
func (h *Host) RunTest(tb testing.TB, name string, env ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := h.TestCommand(ctx, env, "-test.run=^"+name+"$", "-test.count=1", "-test.v", "-test.timeout=4m")
	out, err := cmd.CombinedOutput()
	tb.Logf("child %s on host %s:\n%s", name, h.Name, indent(string(out)))
	if err != nil {
		tb.Fatalf("netns: child test %s on host %s failed: %v", name, h.Name, err)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		tb.Fatalf("netns: child test %s on host %s did not run", name, h.Name)
	}
	return string(out)
}

func indent(s string) string {
	return "\t" + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n\t")
}
