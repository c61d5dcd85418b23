package vmtest

import (
	"bufio"
	"strings"

	"github.com/vmconn/vmconn/internal/envelope"
)

// hasHeader reports whether the exec request cmdline, whose caller's
// command is line, reads vmconn's Env header from standard input: its
// script runs envelope.ReadHeader right before the command. (A sudo
// command reads its header inside sudo, after a start marker that vmconn
// waits for: it is left to the shell.)
func hasHeader(cmdline, line string) bool {
	script, ok := envelope.Decode(cmdline)
	if !ok {
		script = cmdline
	}
	return strings.Contains(script, envelope.ReadHeader+line)
}

// readHeader reads vmconn's Env header off c.Stdin into c.Env, and keeps
// the bytes to give them back to the shell if the Handler passes c on.
func (c *Command) readHeader() {
	r := bufio.NewReader(c.Stdin)
	c.Stdin = r
	script, raw, err := envelope.ReadHeaderFrom(r)
	c.header = raw
	if err != nil {
		c.ss.srv.log.Debug("vmtest: Env header", "err", err)
		return
	}
	env, err := envelope.ParseExports(script)
	if err != nil {
		c.ss.srv.log.Debug("vmtest: Env header", "err", err)
	}
	for k, v := range envMap(env) {
		c.Env[k] = v
	}
}

// envMap turns NAME=value entries into a map; a later entry wins.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}
