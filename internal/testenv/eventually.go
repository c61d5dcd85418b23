package testenv

import (
	"fmt"
	"testing"
	"time"
)

// pollInterval is how often Eventually asks.
const pollInterval = 10 * time.Millisecond

// Eventually calls cond every 10ms until it returns true, and fails tb
// (Fatalf, with the message format and args) if it has not within
// timeout. It asks at least once, and once more after the timeout has
// passed, so a slow machine that was descheduled meanwhile does not fail
// a condition that holds.
func Eventually(tb testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	tb.Helper()
	if !Poll(timeout, cond) {
		tb.Fatalf("%s (not within %v)", fmt.Sprintf(format, args...), timeout)
	}
}

// Poll calls cond every 10ms until it returns true or timeout has passed,
// and reports whether it did: Eventually for callers that decide
// themselves what a timeout means.
func Poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(min(pollInterval, time.Until(deadline)+time.Millisecond))
	}
}
