package testenv_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmconn/vmconn/internal/testenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a testing.TB that records Skipf and Fatalf instead of
// ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                          {}
func (r *recorder) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

// Outside CI a missing requirement skips, naming it; under CI=true it
// fails.
func TestRequire(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			r := &recorder{TB: t}
			testenv.Require(r, true, "never")
			if r.skipped != "" || r.failed != "" {
				t.Fatalf("ok=true: skipped %q, failed %q", r.skipped, r.failed)
			}
			testenv.Require(r, false, "the frobnicator is missing")
			got, other := r.skipped, r.failed
			if ci == "true" {
				got, other = r.failed, r.skipped
			}
			if !strings.Contains(got, "the frobnicator is missing") || other != "" {
				t.Errorf("CI=%q: skipped %q, failed %q", ci, r.skipped, r.failed)
			}
		})
	}
}

func TestRequireCommand(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	if p := testenv.RequireCommand(r, "sh"); !strings.HasPrefix(p, "/") || r.skipped != "" {
		t.Errorf("RequireCommand(sh) = %q, skipped %q", p, r.skipped)
	}
	testenv.RequireCommand(r, "vmconn-no-such-program")
	if !strings.Contains(r.skipped, "vmconn-no-such-program is not installed") {
		t.Errorf("skipped %q", r.skipped)
	}
}

func TestLookPathSbin(t *testing.T) {
	t.Setenv("PATH", "/nonexistent")
	if p := testenv.LookPath("sh"); p != "/usr/bin/sh" && p != "/bin/sh" {
		t.Errorf("LookPath(sh) with an empty PATH = %q", p)
	}
}

// Eventually returns once the condition holds, and fails with the
// message when it never does.
func TestEventually(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	testenv.Eventually(t, 5*time.Second, func() bool { return n.Add(1) == 3 }, "never 3")
	if n.Load() != 3 {
		t.Errorf("asked %d times", n.Load())
	}
	r := &recorder{TB: t}
	testenv.Eventually(r, 30*time.Millisecond, func() bool { return false }, "the %s never came", "bus")
	if !strings.Contains(r.failed, "bus") {
		t.Errorf("failed %q", r.failed)
	}
}

// Poll asks once more after the timeout, and at least once.
func TestPollAsksAfterTimeout(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	if testenv.Poll(0, func() bool { return n.Add(1) == 1 }) != true {
		t.Error("Poll(0) did not ask")
	}
	start := time.Now()
	ok := testenv.Poll(20*time.Millisecond, func() bool { return time.Since(start) >= 20*time.Millisecond })
	if !ok {
		t.Error("Poll did not ask after its timeout")
	}
}
