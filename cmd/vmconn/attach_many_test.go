package main

import (
	"strings"
	"testing"

	"github.com/vmconn/vmconn/fanout"
)

// TestParseJobRef: the entries of attach -H, as long -H prints them.
func TestParseJobRef(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want fanout.JobRef
		err  string
	}{
		{"web=20260101-000000-abcdef", fanout.JobRef{Host: "web", ID: "20260101-000000-abcdef"}, ""},
		{"me@10.0.0.1:2222=ID:120:7", fanout.JobRef{Host: "me@10.0.0.1:2222", ID: "ID", Stdout: 120, Stderr: 7}, ""},
		{"[::1]:22=/home/me/jobs/ID:0:0", fanout.JobRef{Host: "[::1]:22", ID: "/home/me/jobs/ID"}, ""},
		{"web=ID:x:1", fanout.JobRef{}, "byte counts"},
		{"web=ID:1:-1", fanout.JobRef{}, "byte counts"},
		{"web", fanout.JobRef{}, "host=ID"},
		{"=ID", fanout.JobRef{}, "host=ID"},
		{"web=", fanout.JobRef{}, "host=ID"},
		{"host:0=ID", fanout.JobRef{}, "out of range"},
	} {
		got, err := parseJobRef(tt.in)
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) || got != tt.want {
			t.Errorf("parseJobRef(%q) = %+v, %v; want %+v, error with %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestAttachManyUsage: with -H, offsets go in the entries.
func TestAttachManyUsage(t *testing.T) {
	t.Parallel()
	_, stderr, code := cliRun(t, "attach", "-H", "web=ID", "--from", "3")
	if code != exitUsage || !strings.Contains(stderr, "host=ID:OUT:ERR") {
		t.Errorf("--from with -H: code %d stderr %q", code, stderr)
	}
	_, stderr, code = cliRun(t, "attach", "-H", "web=ID", "extra")
	if code != exitUsage {
		t.Errorf("argument with -H: code %d stderr %q", code, stderr)
	}
}
