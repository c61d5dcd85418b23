package sshdtest

import (
	"fmt"
	"os"
	"strings"
)

// sshdConfig is what writeConfig needs to know.
type sshdConfig struct {
	port           int
	hostKeys       []string // private key files
	authorizedKeys string
	pidFile        string
	passwordUser   string // "" for none
	opts           Options
}

// writeConfig writes the sshd_config file at path.
func writeConfig(path string, c sshdConfig) error {
	return os.WriteFile(path, []byte(c.text()), 0o600)
}

// text renders the configuration. sshd keeps the first value it reads for
// most keywords, so the caller's lines come first, except a Match block,
// which must come last.
func (c sshdConfig) text() string {
	extra, match := splitMatch(c.opts.ExtraConfig)
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# written by github.com/vmconn/vmconn/internal/sshdtest")
	line("Port %d", c.port)
	line("ListenAddress 127.0.0.1")
	for _, k := range c.hostKeys {
		line("HostKey %s", k)
	}
	line("PidFile %s", c.pidFile)
	for _, l := range extra {
		line("%s", l)
	}
	c.defaults(line)
	for _, l := range match {
		line("%s", l)
	}
	if c.passwordUser != "" {
		line("Match User %s", c.passwordUser)
		line("\tPasswordAuthentication yes")
		line("\tKbdInteractiveAuthentication yes")
	}
	return b.String()
}

// defaults writes the harness's settings.
func (c sshdConfig) defaults(line func(string, ...any)) {
	line("AuthorizedKeysFile %s", c.authorizedKeys)
	line("StrictModes no")
	if c.opts.PAM {
		line("UsePAM yes")
	} else {
		line("UsePAM no")
	}
	line("PermitRootLogin yes")
	line("PubkeyAuthentication yes")
	line("PasswordAuthentication no")
	line("KbdInteractiveAuthentication no")
	line("LogLevel DEBUG1")
	if c.opts.MaxSessions > 0 {
		line("MaxSessions %d", c.opts.MaxSessions)
	}
	line("MaxStartups 100:30:200")
	line("AcceptEnv VMCONN_*")
	line("UseDNS no")
	line("PrintMotd no")
	line("PrintLastLog no")
	line("Subsystem sftp internal-sftp")
	if major, minor := sshdVersion(); major > 9 || major == 9 && minor >= 8 {
		// Killed connections count as crashes: don't let them lock us out.
		line("PerSourcePenalties no")
	}
}

// splitMatch splits lines at the first Match keyword.
func splitMatch(lines []string) (before, match []string) {
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && strings.EqualFold(f[0], "Match") {
			return lines[:i], lines[i:]
		}
	}
	return lines, nil
}
