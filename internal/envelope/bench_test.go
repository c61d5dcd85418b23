package envelope

import (
	"bytes"
	"os/exec"
	"testing"
	"time"
)

// BenchmarkLoginShell: what one command costs the machine in each form,
// without ssh: bash as the login shell runs the exec line, as sshd would
// start it. cpu-µs/op is the user and system time of bash and everything
// it started (wait4's rusage), which other load on the box barely moves,
// unlike ns/op.
func BenchmarkLoginShell(b *testing.B) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		b.Skip("bash is not installed")
	}
	const script = "set --; export VMCONN_CMD=0123abcd-1; "
	hdr := Header("export TOKEN='s3cr3t value'; ")
	cases := []struct {
		name  string
		line  string
		stdin []byte
	}{
		{"printf", printfLine(script + "true"), nil},
		{"direct", directLine(script + "true"), nil},
		{"printf-env", printfLine(script + ReadHeader + "true"), hdr},
		{"direct-env", directLine(script + ReadHeader + "true"), hdr},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var cpu time.Duration
			for range b.N {
				cmd := exec.Command(bash, "-c", tc.line)
				cmd.Stdin = bytes.NewReader(tc.stdin)
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
