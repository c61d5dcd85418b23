package job_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
)

// TestErrorsRetryable: vmconn.Retryable agrees with the docs of the job
// errors: none is retryable, unless it wraps a lost connection.
func TestErrorsRetryable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"lost, rebooted", &job.LostError{ID: "j", Reason: "rebooted"}, false},
		{"lost, vanished", &job.LostError{ID: "j", Reason: "vanished"}, false},
		{"lost, over a lost link", fmt.Errorf("%w (%w)", &job.LostError{ID: "j"}, vmconn.ErrConnLost), false},
		{"not found", job.ErrNotFound, false},
		{"timeout", fmt.Errorf("%w: %w", job.ErrTimeout, &vmconn.ExitError{Status: 143}), false},
		{"untrusted", job.ErrUntrusted, false},
		{"follow gave up reconnecting", fmt.Errorf("vmconn: job j: following: %w", vmconn.ErrUnreachable), true},
	} {
		if got := vmconn.Retryable(tc.err); got != tc.want {
			t.Errorf("%s: Retryable(%v) = %v; want %v", tc.name, tc.err, got, tc.want)
		}
	}
	lost := &job.LostError{ID: "j", Reason: "rebooted"}
	if !errors.Is(lost, job.ErrLost) || !errors.Is(lost, vmconn.ErrRebooted) {
		t.Errorf("LostError (rebooted) wraps %v", lost.Unwrap())
	}
}

// TestErrorPrefixOnce: errors of real job calls say "vmconn: " once, at
// their start, also where they wrap the core's errors.
func TestErrorPrefixOnce(t *testing.T) {
	t.Parallel()
	c := testkit.Dial(t, testkit.Server(t), nil)
	ctx := testkit.Ctx(t)
	_, err1 := job.Start(ctx, c, "true", &job.Options{Dir: "/proc/nope/jobs"})
	_, err2 := job.Attach(ctx, c, "20000101-000000-nosuch", testkit.JobOptions(t))
	_, err3 := job.Start(ctx, c, "", nil)
	c.Close()
	_, err4 := job.List(ctx, c, nil)
	for _, err := range []error{err1, err2, err3, err4} {
		if err == nil {
			t.Error("no error")
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "vmconn: ") || strings.Count(msg, "vmconn: ") != 1 {
			t.Errorf("%q: want \"vmconn: \" once, at the start", msg)
		}
	}
}
