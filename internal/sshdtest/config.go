package sshdtest

import "github.com/vmconn/vmconn/internal/sshd"

// sshdConfig is what config needs to know.
type sshdConfig struct {
	port           int
	hostKeys       []string // private key files
	authorizedKeys string
	pidFile        string
	passwordUser   string // "" for none
	opts           Options
}

// config returns the server's sshd_config: the caller's lines come first,
// so they win (sshd keeps the first value it reads for most keywords),
// except a Match block, which goes last, and the password user's Match
// block after it.
func (c sshdConfig) config() sshd.Config {
	lines := append([]string{}, c.opts.ExtraConfig...)
	if c.passwordUser != "" {
		lines = append(lines, "Match User "+c.passwordUser,
			"\tPasswordAuthentication yes",
			"\tKbdInteractiveAuthentication yes")
	}
	return sshd.Config{
		Comment:            "written by github.com/vmconn/vmconn/internal/sshdtest",
		Port:               c.port,
		HostKeys:           c.hostKeys,
		AuthorizedKeysFile: c.authorizedKeys,
		PidFile:            c.pidFile,
		LogLevel:           "DEBUG1",
		MaxSessions:        c.opts.MaxSessions,
		PAM:                c.opts.PAM,
		Lines:              lines,
	}
}
