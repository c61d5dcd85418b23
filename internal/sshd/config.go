package sshd

import (
	"os"
	"strconv"
	"strings"
)

// Config is an sshd_config. The zero value of each field is a default
// that suits tests; Port and HostKeys must be set.
type Config struct {
	// Comment is written first, after "# ". Zero writes none.
	Comment string

	// Port is the TCP port sshd listens on.
	Port int

	// ListenAddresses are the addresses sshd listens on. Nil means
	// 127.0.0.1 only.
	ListenAddresses []string

	// HostKeys are the private host key files.
	HostKeys []string

	// AuthorizedKeysFile is the one authorized_keys file of every user.
	// Zero means sshd's default (~/.ssh/authorized_keys).
	AuthorizedKeysFile string

	// PidFile is where sshd writes its pid. Zero means none.
	PidFile string

	// LogLevel is sshd's LogLevel. Zero means VERBOSE.
	LogLevel string

	// MaxSessions is the number of sessions open at once on one
	// connection. Zero keeps sshd's default of 10.
	MaxSessions int

	// MaxStartups is sshd's MaxStartups. Zero means "100:30:200".
	MaxStartups string

	// PAM sets "UsePAM yes" (logins go through /etc/pam.d/sshd); by
	// default sshd checks passwords itself.
	PAM bool

	// Lines are more sshd_config lines. They come before the defaults,
	// so they win (sshd keeps the first value of a keyword); from the
	// first "Match" line on they go at the end, where Match blocks
	// belong. Port, ListenAddress, HostKey and PidFile belong to the
	// fields above.
	Lines []string
}

// WriteFile writes the configuration to the file name, readable by its
// owner only.
func (c Config) WriteFile(name string) error {
	return os.WriteFile(name, []byte(c.String()), 0o600)
}

// String renders the configuration.
func (c Config) String() string {
	before, match := splitMatch(c.Lines)
	var b strings.Builder
	line := func(s ...string) { b.WriteString(strings.Join(s, " ") + "\n") }
	if c.Comment != "" {
		line("#", c.Comment)
	}
	line("Port", strconv.Itoa(c.Port))
	for _, a := range or(c.ListenAddresses, []string{"127.0.0.1"}) {
		line("ListenAddress", a)
	}
	for _, k := range c.HostKeys {
		line("HostKey", k)
	}
	line("PidFile", orString(c.PidFile, "none"))
	for _, l := range before {
		line(l)
	}
	c.defaults(line)
	for _, l := range match {
		line(l)
	}
	return b.String()
}

// defaults writes the settings every harness shares.
func (c Config) defaults(line func(...string)) {
	if c.AuthorizedKeysFile != "" {
		line("AuthorizedKeysFile", c.AuthorizedKeysFile)
	}
	line("StrictModes no")
	if c.PAM {
		line("UsePAM yes")
	} else {
		line("UsePAM no")
	}
	line("PermitRootLogin yes")
	line("PubkeyAuthentication yes")
	line("PasswordAuthentication no")
	line("KbdInteractiveAuthentication no")
	line("LogLevel", orString(c.LogLevel, "VERBOSE"))
	if c.MaxSessions > 0 {
		line("MaxSessions", strconv.Itoa(c.MaxSessions))
	}
	line("MaxStartups", orString(c.MaxStartups, "100:30:200"))
	line("AcceptEnv VMCONN_*")
	line("UseDNS no")
	line("PrintMotd no")
	line("PrintLastLog no")
	line("Subsystem sftp internal-sftp")
	if atLeast(9, 8) {
		// Killed connections count as crashes: don't let them lock us out.
		line("PerSourcePenalties no")
		line("PerSourceMaxStartups none")
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

func or(s, dflt []string) []string {
	if len(s) == 0 {
		return dflt
	}
	return s
}

func orString(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}
