package vmconn_test

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/envelope"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// BenchmarkSSHDEnvelope: the per-command cost of the envelope against
// real OpenSSH: "before" sends, Raw, the line vmconn sent before the
// envelope (exports, then the command, parsed by the login shell);
// "envelope" is what Client.Command sends now (for true, the envelope's
// direct form); "printf" sends, Raw, the same script in the envelope's
// printf form, which every command used before the direct form. With and
// without one Env value (which the envelope reads from standard input).
// Besides ns/op,
// shell-cpu-ms/op is the CPU time of the sessions' processes (the login
// shell and all it starts), read from the sshd processes' reaped
// children's times in /proc on Linux: load from other work on the box
// barely moves it.
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
		{"printf", true, envelope.Bootstrap + envelope.Escape("set --; export VMCONN_CMD=0123abcd-1; true") + "'", nil},
		{"before-env", true, "export VMCONN_CMD=0123abcd-1; export TOKEN='s3cr3t value'; true", nil},
		{"envelope-env", false, "true", []string{"TOKEN=s3cr3t value"}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			cpu0, ok := childTicks()
			for range b.N {
				cmd := c.Command(context.Background(), tc.line)
				cmd.Raw, cmd.Env, cmd.Stdout = tc.raw, tc.env, io.Discard
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1, ok1 := childTicks(); ok && ok1 {
				b.ReportMetric(float64(cpu1-cpu0)*10/float64(b.N), "shell-cpu-ms/op") // USER_HZ is 100
			}
		})
	}
}

// childTicks sums, over this process's descendants, the CPU time of
// their children that have ended and been reaped (cutime and cstime in
// /proc/PID/stat, in clock ticks): for sshd, the sessions' processes.
func childTicks() (int64, bool) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	parent, ticks := map[int]int{}, map[int]int64{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])) // f[0] is field 3
		if len(f) < 15 {
			continue
		}
		parent[pid], _ = strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[13], 10, 64)
		st, _ := strconv.ParseInt(f[14], 10, 64)
		ticks[pid] = ut + st
	}
	self, sum := os.Getpid(), int64(0)
	for pid, t := range ticks {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == self {
				sum += t
				break
			}
		}
	}
	return sum, true
}
