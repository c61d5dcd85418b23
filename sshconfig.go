package vmconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"

	"github.com/kevinburke/ssh_config"
)

// SSHConfig is a parsed OpenSSH client configuration file, ssh_config(5),
// with the files it includes. Resolve maps its settings for one host onto
// a Config. An SSHConfig is safe for concurrent use.
type SSHConfig struct {
	file string // for messages; "" when parsed from memory
	cfg  *ssh_config.Config
}

// LoadSSHConfig reads an ssh_config file. An empty file name means
// ~/.ssh/config, which may be missing (the result is then empty). Include
// directives are followed, relative ones from ~/.ssh as OpenSSH does.
// Errors wrap ErrConfig.
func LoadSSHConfig(file string) (*SSHConfig, error) {
	optional := file == ""
	if optional {
		u, err := user.Current() // OpenSSH uses the passwd entry, not $HOME
		if err != nil {
			return nil, fmt.Errorf("vmconn: finding ~/.ssh/config: %w: %w", ErrConfig, err)
		}
		file = filepath.Join(u.HomeDir, ".ssh", "config")
	}
	data, err := os.ReadFile(file)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return &SSHConfig{file: file, cfg: &ssh_config.Config{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vmconn: reading ssh config: %w: %w", ErrConfig, err)
	}
	sc, err := parseSSHConfig(data, file)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// ParseSSHConfig parses ssh_config text. Include directives are followed
// as in LoadSSHConfig. Errors wrap ErrConfig.
func ParseSSHConfig(data []byte) (*SSHConfig, error) {
	return parseSSHConfig(data, "")
}

func parseSSHConfig(data []byte, file string) (sc *SSHConfig, err error) {
	name := file
	if name == "" {
		name = "ssh config"
	}
	defer func() { // the parser must not take the caller down with it
		if r := recover(); r != nil {
			sc, err = nil, fmt.Errorf("vmconn: parsing %s: %v: %w", name, r, ErrConfig)
		}
	}()
	cfg, err := ssh_config.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("vmconn: parsing %s: %w: %w", name, ErrConfig, err)
	}
	return &SSHConfig{file: file, cfg: cfg}, nil
}

// Resolved is what an SSHConfig says about one destination, merged with
// the caller's explicit settings.
type Resolved struct {
	// Alias is the host name as given to Resolve (what Host patterns
	// matched).
	Alias string

	// Addr is "host:port" to dial: HostName (or the alias) and the port.
	Addr string

	// Config is the caller's Config with the file's settings in the
	// fields the caller left zero. Its User and Port are always set.
	Config *Config

	// Jumps are the ProxyJump hosts, first hop first, each resolved from
	// the same file. Dial goes through them.
	Jumps []JumpHost

	// ForwardAgent is the file's ForwardAgent setting. vmconn never
	// forwards the agent by itself: see Client.ForwardAgent.
	ForwardAgent bool

	// Warnings name the directives that apply to this host and that
	// vmconn does not implement although they matter for security or
	// for where the connection goes (ProxyCommand with an explicit
	// DialContext, HostKeyAlias, Ciphers, ...), and settings that weaken
	// security (StrictHostKeyChecking no). Show them to the user.
	Warnings []string
}

// Dial connects to the resolved destination, through its jump hosts if
// any (see DialVia).
func (r *Resolved) Dial(ctx context.Context) (*Client, error) {
	return DialVia(ctx, r.Addr, r.Config, r.Jumps...)
}

// Resolve applies the file's settings for dest, "[user@]alias[:port]", on
// top of base (nil means the zero Config), as ssh(1) does: what the
// caller set explicitly wins (a non-zero base field, then the user and
// port in dest), then the first value the file gives for the alias.
//
// Mapped directives: HostName, User, Port, IdentityFile (~, ${VAR} and
// %-tokens expanded; missing files skipped, as OpenSSH does),
// IdentitiesOnly, IdentityAgent, UserKnownHostsFile,
// GlobalKnownHostsFile, StrictHostKeyChecking (yes and ask: strict;
// accept-new; no and off: HostKeyInsecureIgnore, with a warning),
// HostKeyAlgorithms (plain lists), ConnectTimeout, ServerAliveInterval and
// ServerAliveCountMax (keepalives; an interval of 0 disables them),
// ProxyJump (chains of any length; the first hop's own ProxyJump applies,
// as in OpenSSH) and ForwardAgent (reported only). ProxyCommand is an
// ErrConfig error unless base.DialContext is set. Other directives that
// matter for security are listed in Resolved.Warnings.
func (s *SSHConfig) Resolve(dest string, base *Config) (*Resolved, error) {
	if base == nil {
		base = &Config{}
	}
	return s.resolve(dest, base, true, 0)
}

// maxJumpDepth bounds ProxyJump chains, which may loop.
const maxJumpDepth = 16

// resolve resolves dest; withJumps says whether its own ProxyJump counts
// (not for hops after the first, as in OpenSSH).
func (s *SSHConfig) resolve(dest string, base *Config, withJumps bool, depth int) (*Resolved, error) {
	t, err := ParseTarget(dest)
	if err != nil {
		return nil, err
	}
	m := &mapper{sc: s, alias: t.Host, base: base, tok: newTokens(t.Host)}
	cfg := *base
	r := &Resolved{Alias: t.Host, Config: &cfg}
	if err := m.apply(r, t); err != nil {
		return nil, m.errorf("%w", err)
	}
	if withJumps {
		if r.Jumps, err = s.jumps(m, base, depth); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// jumps resolves the ProxyJump hops.
func (s *SSHConfig) jumps(m *mapper, base *Config, depth int) ([]JumpHost, error) {
	specs, err := m.proxyJump()
	if err != nil || len(specs) == 0 {
		return nil, err
	}
	if depth+len(specs) > maxJumpDepth {
		return nil, m.errorf("ProxyJump chain longer than %d hops (a loop?): %w", maxJumpDepth, ErrConfig)
	}
	return s.resolveHops(specs, base, depth)
}

// ResolveJumps resolves a jump host list as given to ssh -J ("a,b"),
// each hop through the file as its own destination, with base's
// settings less those that belong to the target alone (User, Port,
// Password, HostKeyCallback, OnEvent, DialContext); base's IdentityFiles
// serve a hop that the file gives none. As in
// OpenSSH, the first hop's own ProxyJump applies and the others' do not.
// Use the result as Resolved.Jumps to override the file's ProxyJump, as
// ssh -J does.
func (s *SSHConfig) ResolveJumps(list string, base *Config) ([]JumpHost, error) {
	specs, err := ParseJumpList(list)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = &Config{}
	}
	return s.resolveHops(specs, base, 0)
}

func (s *SSHConfig) resolveHops(specs []string, base *Config, depth int) ([]JumpHost, error) {
	if depth+len(specs) > maxJumpDepth {
		return nil, fmt.Errorf("vmconn: jump host chain longer than %d hops (a loop?): %w", maxJumpDepth, ErrConfig)
	}
	hopBase := hopConfig(base)
	hopBase.IdentityFiles = nil // a hop's own IdentityFile comes first
	var hops []JumpHost
	for i, spec := range specs {
		r, err := s.resolve(spec, hopBase, i == 0, depth+len(specs))
		if err != nil {
			return nil, errorf("jump host %s: %w", spec, err)
		}
		if len(r.Config.IdentityFiles) == 0 {
			r.Config.IdentityFiles = base.IdentityFiles
		}
		hops = append(hops, r.Jumps...) // the first hop's own chain
		hops = append(hops, JumpHost{Addr: r.Addr, Config: r.Config})
	}
	return hops, nil
}

func (m *mapper) errorf(format string, args ...any) error {
	where := m.sc.file
	if where == "" {
		where = "ssh config"
	}
	return fmt.Errorf("vmconn: %s, host %s: "+format, append([]any{where, m.alias}, args...)...)
}
