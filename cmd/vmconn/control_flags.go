package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/control"
	"github.com/vmconn/vmconn/sshconfig"
)

// controlFlags are the connection-sharing flags, as ssh's
// ControlPersist and ControlPath.
type controlFlags struct {
	persist time.Duration // --control-persist; 0 is off
	path    string        // --control-path; "" is the default path
}

func (c *controlFlags) register(f *pflag.FlagSet) {
	f.DurationVar(&c.persist, "control-persist", 0,
		"share one background connection per target with later calls, kept DURATION after the last (0: off; default from ssh_config ControlMaster/ControlPersist)")
	f.StringVar(&c.path, "control-path", "",
		"socket of the shared connection (%h %p %r %C tokens; default: a hash of the settings in vmconn's own directory)")
}

// sharing says how one call shares its connection: the master's socket,
// the settings key, and whether the call may start a master.
type sharing struct {
	path    string
	key     string
	start   bool          // start a master if none answers (else only use one)
	persist time.Duration // the master's idle limit; 0: none
}

// sharingFor decides whether a call to r goes through a master. nil
// means a direct connection. always gives the master's path even when
// nothing asks for sharing (control check and stop).
func (g *globalFlags) sharingFor(r *sshconfig.Resolved, always bool) (*sharing, error) {
	if g.conn.direct {
		return nil, nil
	}
	sh := &sharing{key: settingsKey(r)}
	switch {
	case g.flags.Changed("control-persist"):
		if g.control.persist < 0 {
			return nil, fmt.Errorf("--control-persist must not be negative, not %v", g.control.persist)
		}
		sh.start, sh.persist = g.control.persist > 0, g.control.persist
	case r.Control.Shares() && r.Control.Persist != 0:
		sh.start, sh.persist = true, r.Control.Persist
		if sh.persist == sshconfig.PersistForever {
			sh.persist = 0
		}
	}
	fileShares := r.Control.Shares() && !g.flags.Changed("control-persist")
	if !sh.start && !fileShares && !always {
		return nil, nil
	}
	if runtime.GOOS == "windows" {
		if sh.start && g.flags.Changed("control-persist") {
			return nil, fmt.Errorf("--control-persist: %w", control.ErrUnsupported)
		}
		return nil, nil
	}
	var err error
	sh.path, err = g.controlPath(r, sh.key)
	return sh, err
}

// controlPath is --control-path, else the file's ControlPath with a
// ".vmconn" suffix (vmconn's masters never take OpenSSH's sockets), else
// the default path for key.
func (g *globalFlags) controlPath(r *sshconfig.Resolved, key string) (string, error) {
	switch {
	case g.control.path != "": // through -o ControlPath: tokens expanded
		return r.Control.Path, control.CheckPath(r.Control.Path)
	case r.Control.Path != "" && r.Control.Master != "no":
		p := r.Control.Path + ".vmconn"
		return p, control.CheckPath(p)
	}
	p, err := control.DefaultPath(key)
	if err != nil {
		return "", err
	}
	return p, control.MkdirPrivate(filepath.Dir(p))
}

// settingsKey hashes everything that decides the connection, so that
// calls share a master only when all of it is the same.
func settingsKey(r *sshconfig.Resolved) string {
	fields := append([]string{"target", r.Addr}, configFields(r.Config)...)
	for _, j := range r.Jumps {
		fields = append(fields, "jump", j.Addr)
		if j.Config != nil {
			fields = append(fields, configFields(j.Config)...)
		}
	}
	if r.ProxyCommand != nil {
		fields = append(fields, "proxycommand", r.ProxyCommand.Command)
	}
	return control.Key(fields...)
}

// configFields lists the settings of cfg that decide who logs in where
// and which host keys are trusted.
func configFields(cfg *vmconn.Config) []string {
	abs := func(files []string) string {
		out := make([]string, len(files))
		for i, f := range files {
			out[i], _ = filepath.Abs(f)
		}
		return strings.Join(out, "\x01")
	}
	return []string{
		"user", cfg.User, "port", strconv.Itoa(cfg.Port),
		"identities", abs(cfg.IdentityFiles), "certificates", abs(cfg.CertificateFiles),
		"identities-only", strconv.FormatBool(cfg.IdentitiesOnly),
		"agent", strconv.FormatBool(!cfg.NoAgent) + cfg.AgentSocket,
		"password", strconv.FormatBool(cfg.Password != ""),
		"known-hosts", abs(cfg.KnownHostsFiles), "host-key-mode", cfg.HostKeyMode.String(),
		"host-key-algorithms", strings.Join(cfg.HostKeyAlgorithms, ","),
	}
}

// controlOption is --control-path as an -o directive, so that its tokens
// are expanded as the file's ControlPath.
func (g *globalFlags) controlOption() []string {
	if g.control.path == "" {
		return nil
	}
	return []string{"ControlPath=" + g.control.path}
}
