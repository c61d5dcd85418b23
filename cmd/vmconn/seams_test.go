package main

import (
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
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

// TestEventLines: a reconnection reads as one story, "reconnecting
// (attempt 1)" ... "reconnected (after 3 attempts)".
func TestEventLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    vmconn.Event
		want string
		ok   bool
	}{
		{vmconn.Event{Type: vmconn.EventReconnecting, Attempt: 1}, "vmconn: reconnecting (attempt 1)", true},
		{vmconn.Event{Type: vmconn.EventReconnecting, Attempt: 2}, "", false},
		{vmconn.Event{Type: vmconn.EventReconnected, Attempt: 3}, "vmconn: reconnected (after 3 attempts)", true},
		{vmconn.Event{Type: vmconn.EventReconnected, Attempt: 1}, "vmconn: reconnected (after 1 attempt)", true},
		{vmconn.Event{Type: vmconn.EventConnected}, "", false},
	}
	for _, tt := range tests {
		if got, ok := eventLine(tt.e); got != tt.want || ok != tt.ok {
			t.Errorf("%v %d: %q %v; want %q %v", tt.e.Type, tt.e.Attempt, got, ok, tt.want, tt.ok)
		}
	}
}

// TestHostKeyUnknownSaysHowToProceed: the error names --accept-new and
// --known-hosts.
func TestHostKeyUnknownSaysHowToProceed(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	_, stderr, code := cliRun(t, "exec", "--known-hosts", "/dev/null", "-i", flags[1], srv.Addr(), "true")
	if code != 255 || !strings.Contains(stderr, "--accept-new") || !strings.Contains(stderr, "--known-hosts") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}

// TestKillErrorsSayKill: kill's lookup errors do not speak of attaching.
func TestKillErrorsSayKill(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	_, stderr, code := cliRun(t, append(append([]string{"kill", "--dir", jobsDir(t)}, flags...), srv.Addr(), "20000101-000000-nojob")...)
	if code != 1 || strings.Contains(stderr, "attach") || !strings.Contains(stderr, "job not found") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}
