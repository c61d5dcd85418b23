package vmtest

import (
	"regexp"
	"sync"

	"github.com/vmconn/vmconn/internal/envelope"
)

// vmconnScript matches the start of the script inside vmconn's envelope
// (see vmconn's REMOTE.md): "set --; ", the marker export, and, when the
// command has Env, the snippet that reads them from standard input.
var vmconnScript = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^set --; export VMCONN_CMD=[0-9a-f]+-[0-9]+; (` + regexp.QuoteMeta(envelope.ReadHeader) + `)?`)
})

// unwrap returns the command that cmdline runs: for a vmconn envelope (in
// its direct or its printf form, see internal/envelope), the caller's
// command exactly as given; otherwise cmdline itself.
func unwrap(cmdline string) string {
	script, ok := envelope.Decode(cmdline)
	if !ok {
		return cmdline
	}
	if loc := vmconnScript().FindStringIndex(script); loc != nil {
		return script[loc[1]:]
	}
	return script
}
