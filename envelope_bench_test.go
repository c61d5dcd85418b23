package vmconn_test

import (
	"context"
	"io"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// BenchmarkSSHDEnvelope: the per-command cost of the envelope against
// real OpenSSH: "before" sends, Raw, the line vmconn sent before the
// envelope (exports, then the command, parsed by the login shell);
// "envelope" is what Client.Command sends now. With and without one Env
// value (which the envelope reads from standard input).
func BenchmarkSSHDEnvelope(b *testing.B) {
	s := sshdtest.Start(b, sshdtest.Options{})
	c, err := vmconn.Dial(context.Background(), s.Addr, sshdConfig(s))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	cases := []struct {
		name string
		raw  bool
		line string
		env  []string
	}{
		{"before", true, "export VMCONN_CMD=0123abcd-1; true", nil},
		{"envelope", false, "true", nil},
		{"before-env", true, "export VMCONN_CMD=0123abcd-1; export TOKEN='s3cr3t value'; true", nil},
		{"envelope-env", false, "true", []string{"TOKEN=s3cr3t value"}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				cmd := c.Command(context.Background(), tc.line)
				cmd.Raw, cmd.Env, cmd.Stdout = tc.raw, tc.env, io.Discard
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
