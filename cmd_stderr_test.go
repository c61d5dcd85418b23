package vmconn_test

import (
	"errors"
	"testing"

	"github.com/vmconn/vmconn"
)

// TestOutputCapsStderr: Output keeps only the first 64 KiB of a huge
// stderr, through the real SSH session's io.Copy.
func TestOutputCapsStderr(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	_, err := c.Output(testCtx(t), "head -c 20000000 /dev/zero >&2; exit 3")
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 3 {
		t.Fatalf("Output = %v; want exit status 3", err)
	}
	if len(ee.Stderr) != 64<<10 || cap(ee.Stderr) > 1<<20 {
		t.Fatalf("ExitError.Stderr holds %d bytes (capacity %d); want 64 KiB", len(ee.Stderr), cap(ee.Stderr))
	}
}
