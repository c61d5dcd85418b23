package sshdtest_test

import (
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
)

func TestExtraConfigWins(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"MaxSessions 1"}})
	c := s.Dial(t)
	a, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if b, err := c.NewSession(); err == nil {
		b.Close()
		t.Error("second session opened: ExtraConfig's MaxSessions 1 lost")
	}
}

func TestHostKeyTypes(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{HostKeyTypes: []string{"ed25519"}})
	if len(s.HostKeys) != 1 || s.HostKeys[0].Type() != "ssh-ed25519" {
		t.Fatalf("host keys %v", s.HostKeys)
	}
	run(t, s.Dial(t), "true")
}
