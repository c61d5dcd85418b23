package vmconn

import (
	"errors"
	"testing"
)

func TestParseTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Target
	}{
		{"host", Target{Host: "host"}},
		{"host:2222", Target{Host: "host", Port: 2222}},
		{"alice@host", Target{User: "alice", Host: "host"}},
		{"alice@10.0.0.1:22", Target{User: "alice", Host: "10.0.0.1", Port: 22}},
		{"[::1]:2222", Target{Host: "::1", Port: 2222}},
		{"[::1]", Target{Host: "::1"}},
		{"::1", Target{Host: "::1"}},
		{"bob@[fe80::1%eth0]:22", Target{User: "bob", Host: "fe80::1%eth0", Port: 22}},
		{"a@b@host", Target{User: "a@b", Host: "host"}},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTargetBad(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "@host", "user@", "host:", "host:0", "host:65536", "host:-1",
		"host:ssh", "[::1", "[::1]x", "1:2:3", "ho st", "host/x", ":22"} {
		_, err := ParseTarget(in)
		if !errors.Is(err, ErrConfig) {
			t.Errorf("ParseTarget(%q) error = %v; want ErrConfig", in, err)
		}
	}
}

func TestTargetRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"host", "u@host:22", "[::1]:22", "[::1]", "u@[2001:db8::1]"} {
		got, err := ParseTarget(in)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != in {
			t.Errorf("String() = %q; want %q", got.String(), in)
		}
	}
}

func TestHostPort(t *testing.T) {
	t.Parallel()
	tg, _ := ParseTarget("::1")
	if got := tg.hostPort(22); got != "[::1]:22" {
		t.Errorf("hostPort = %q", got)
	}
	tg, _ = ParseTarget("h:2200")
	if got := tg.hostPort(22); got != "h:2200" {
		t.Errorf("hostPort = %q", got)
	}
}
