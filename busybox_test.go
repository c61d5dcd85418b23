//go:build linux

package vmconn_test

import (
	"fmt"
	"testing"

	"github.com/vmconn/vmconn/internal/testenv"
)

// TestCancelBusyboxPATH: with busybox's applets alone on PATH (no pkill,
// pgrep or GNU grep), a cancelled command and its detached child are
// killed by the marker kill, the server ignoring SSH signals (vmtest's
// commands inherit the test's PATH).
func TestCancelBusyboxPATH(t *testing.T) {
	dir, err := testenv.BusyboxDir(t.TempDir())
	testenv.Require(t, err == nil, fmt.Sprintf("no busybox PATH: %v", err))
	t.Setenv("PATH", dir)
	srv := newServer(t)
	srv.SetSignalsIgnored(true)
	assertCancelKills(t, dialTest(t, srv, nil))
}
