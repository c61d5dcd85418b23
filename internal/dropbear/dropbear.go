package dropbear

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/vmconn/vmconn/internal/sshd"
)

// ErrNotInstalled means that dropbear or dropbearconvert was not found.
var ErrNotInstalled = errors.New("dropbear not found (install dropbear-bin)")

// Path returns the absolute path of the dropbear server, or
// ErrNotInstalled.
func Path() (string, error) {
	return look("dropbear", "/usr/sbin/dropbear", "/usr/local/sbin/dropbear")
}

// convertPath returns the absolute path of dropbearconvert.
func convertPath() (string, error) {
	return look("dropbearconvert", "/usr/bin/dropbearconvert", "/usr/lib/dropbear/dropbearconvert")
}

// look finds name on PATH or at one of the candidates.
func look(name string, candidates ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil && filepath.IsAbs(p) {
		return p, nil
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Config says how dropbear runs. Port and HostKeyFile are required.
type Config struct {
	// Port is the TCP port dropbear listens on, on every address unless
	// Address is set.
	Port int

	// Address, if set, is the one address dropbear listens on.
	Address string

	// HostKeyFile is the host's private key in OpenSSH's format; each
	// Argv converts it into dropbear's, in HostKeyFile+".dropbear".
	HostKeyFile string

	// PidFile is where dropbear writes its pid (it always writes one, by
	// default in /var/run, and removes it when it exits: never give it a
	// file that others use, such as /dev/null). Zero means
	// HostKeyFile+".pid".
	PidFile string

	// Args are more options, after the others.
	Args []string
}

// Argv converts the host key and returns dropbear's command line: in the
// foreground, logging to stderr, keys only, no motd.
func (c Config) Argv() ([]string, error) {
	bin, err := Path()
	if err != nil {
		return nil, err
	}
	conv, err := convertPath()
	if err != nil {
		return nil, err
	}
	key := c.HostKeyFile + ".dropbear"
	_ = os.Remove(key) // dropbearconvert does not overwrite
	if out, err := exec.Command(conv, "openssh", "dropbear", c.HostKeyFile, key).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("converting the host key: %v: %s", err, out)
	}
	pid := c.PidFile
	if pid == "" {
		pid = c.HostKeyFile + ".pid"
	}
	listen := strconv.Itoa(c.Port)
	if c.Address != "" {
		listen = net.JoinHostPort(c.Address, listen)
	}
	argv := []string{bin, "-F", "-E", "-s", "-m", "-p", listen, "-r", key, "-P", pid}
	return append(argv, c.Args...), nil
}

// Start starts dropbear as c says, with o's prefix, checks and wait (see
// sshd.Start; o's Config, ConfigFile and LogFile are not used), and
// returns once it sends its SSH banner.
func Start(ctx context.Context, c Config, o sshd.Options) (*sshd.Daemon, error) {
	argv, err := c.Argv()
	if err != nil {
		return nil, err
	}
	o.Argv = argv
	if o.Addr == "" {
		host := c.Address
		if host == "" {
			host = "127.0.0.1"
		}
		o.Addr = net.JoinHostPort(host, strconv.Itoa(c.Port))
	}
	return sshd.Start(ctx, o)
}
