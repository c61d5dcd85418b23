package sshd_test

import (
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/sshd"
)

// The caller's lines come before the defaults, so they win; a Match
// block goes last; the zero fields write the defaults.
func TestConfigString(t *testing.T) {
	t.Parallel()
	c := sshd.Config{
		Comment:  "written by a test",
		Port:     2222,
		HostKeys: []string{"/k1", "/k2"},
		Lines:    []string{"LoginGraceTime 300", "Match User bob", "\tPasswordAuthentication yes"},
	}
	got := c.String()
	for _, want := range []string{"# written by a test\nPort 2222\nListenAddress 127.0.0.1\nHostKey /k1\nHostKey /k2\nPidFile none\nLoginGraceTime 300\n",
		"LogLevel VERBOSE\n", "MaxStartups 100:30:200\n", "UsePAM no\n", "Match User bob\n\tPasswordAuthentication yes\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "Match User bob\n\tPasswordAuthentication yes\n") {
		t.Errorf("Match block not last:\n%s", got)
	}
	if strings.Contains(got, "MaxSessions") || strings.Contains(got, "AuthorizedKeysFile") {
		t.Errorf("zero MaxSessions or AuthorizedKeysFile written:\n%s", got)
	}
}

func TestConfigFields(t *testing.T) {
	t.Parallel()
	c := sshd.Config{Port: 22, ListenAddresses: []string{"0.0.0.0", "::"}, PidFile: "/p", LogLevel: "DEBUG1",
		MaxSessions: 3, MaxStartups: "4000", PAM: true, AuthorizedKeysFile: "/a"}
	got := c.String()
	for _, want := range []string{"ListenAddress 0.0.0.0\nListenAddress ::\n", "PidFile /p\n", "LogLevel DEBUG1\n",
		"MaxSessions 3\n", "MaxStartups 4000\n", "UsePAM yes\n", "AuthorizedKeysFile /a\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
}
