package vmconn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
)

// TestRebootGuardBootIDError: a boot id command that fails is a
// *BootIDError naming the command and its stderr, never an *ExitError
// that would pass for the guarded command's own status.
func TestRebootGuardBootIDError(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cfg := testConfig(srv)
	cfg.BootIDCommand = "echo no boot id here >&2; exit 3"
	c := dialTest(t, srv, cfg)
	cmd := c.Command(testCtx(t), "echo ran")
	cmd.RebootGuard = true
	out, err := cmd.Output()
	var be *vmconn.BootIDError
	var ee *vmconn.ExitError
	if !errors.As(err, &be) || errors.As(err, &ee) || !errors.Is(err, vmconn.ErrBadBootID) {
		t.Fatalf("Run = %v; want a *BootIDError wrapping ErrBadBootID and no *ExitError", err)
	}
	if be.When != "before" || be.Status != 3 || be.Command != cfg.BootIDCommand || len(out) != 0 {
		t.Errorf("BootIDError = %+v, output %q", be, out)
	}
	for _, want := range []string{cfg.BootIDCommand, "no boot id here", "status 3", "before"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if strings.Count(err.Error(), "vmconn: ") != 1 {
		t.Errorf("message %q: want one vmconn: prefix", err)
	}
}
