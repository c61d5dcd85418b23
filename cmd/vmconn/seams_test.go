package main

import (
	"strings"
	"testing"
)

// TestLongShowsScriptStderr: a job script's own explanation reaches the
// user (here mkdir's, for a job directory that cannot be made).
func TestLongShowsScriptStderr(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	args := append(append([]string{"long", "--dir", "/proc/nope"}, flags...), srv.Addr(), "--", "true")
	_, stderr, code := cliRun(t, args...)
	if code != 255 || !strings.Contains(stderr, "/proc/nope") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}
