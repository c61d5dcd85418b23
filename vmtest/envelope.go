package vmtest

import (
	"bufio"
	"fmt"
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

// waiting reports whether cmdline starts a waiting session (vmconn's
// Config.WarmSession), whose command comes later on standard input.
func waiting(cmdline string) bool {
	script, ok := envelope.Decode(cmdline)
	if !ok {
		return false
	}
	prefix, ok := envelope.IsWaiter(script)
	return ok && vmconnMarker().FindString(prefix) == prefix && prefix != ""
}

// execWaiting answers a waiting session as its shell would: it reads the
// command's script from standard input (envelope.Waiter), then answers
// the command as if its envelope had been the exec request, with the
// rest of standard input. Input that ends before the script runs nothing
// and exits 1.
func (ss *session) execWaiting() Exit {
	s := ss.srv
	r := bufio.NewReader(ss.ch)
	script, _, err := envelope.ReadHeaderFrom(r)
	if err != nil {
		s.log.Debug("vmtest: waiting session ended without a command", "err", err)
		return Exit{Status: 1}
	}
	cmdline, err := envelope.Line(script)
	if err != nil {
		fmt.Fprintf(ss.ch.Stderr(), "vmtest: %v\n", err)
		return Exit{Status: 1}
	}
	command := unwrap(cmdline)
	s.recordCommand(command)
	s.log.Debug("vmtest: exec in a waiting session", "cmd", command)
	return s.handler().ServeCommand(ss.newCommand(cmdline, command, r))
}
