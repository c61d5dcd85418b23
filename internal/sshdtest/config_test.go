package sshdtest

import (
	"strings"
	"testing"
)

func TestConfigOrder(t *testing.T) {
	c := sshdConfig{
		port:         2222,
		hostKeys:     []string{"/k1", "/k2"},
		passwordUser: "vmconn-t-1",
		opts: Options{MaxSessions: 4, ExtraConfig: []string{
			"MaxSessions 1", "Match Address 10.0.0.1", "\tPermitRootLogin no",
		}},
	}
	text := c.config().String()
	at := func(s string) int {
		i := strings.Index(text, s+"\n")
		if i < 0 {
			t.Fatalf("no %q in\n%s", s, text)
		}
		return i
	}
	// The caller's MaxSessions comes first and wins; Match blocks come
	// after every global line, the password user's last.
	if !(at("Port 2222") < at("MaxSessions 1") && at("MaxSessions 1") < at("MaxSessions 4") &&
		at("MaxSessions 4") < at("Match Address 10.0.0.1") &&
		at("Match Address 10.0.0.1") < at("Match User vmconn-t-1")) {
		t.Errorf("wrong order:\n%s", text)
	}
}
