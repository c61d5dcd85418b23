package testkit_test

import (
	"testing"

	"github.com/vmconn/vmconn/internal/testkit"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDial: a client from Dial runs a command on the server from Server.
func TestDial(t *testing.T) {
	c := testkit.Dial(t, testkit.Server(t), nil)
	out, err := c.Output(testkit.Ctx(t), "echo hi")
	if err != nil || string(out) != "hi\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
}
