package sshconfig

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
	"github.com/vmconn/vmconn"
)

// Config is a parsed OpenSSH client configuration file, ssh_config(5),
// with the files it includes. Resolve maps its settings for one host onto
// a vmconn.Config. A Config is safe for concurrent use.
type Config struct {
	file string // for messages; "" when parsed from memory
	cfg  *ssh_config.Config
}

// Load reads an ssh_config file. An empty file name means
// ~/.ssh/config, which may be missing (the result is then empty). Include
// directives are followed, relative ones from ~/.ssh as OpenSSH does.
// Errors wrap vmconn.ErrConfig.
func Load(file string) (*Config, error) {
	optional := file == ""
	if optional {
		u, err := user.Current() // OpenSSH uses the passwd entry, not $HOME
		if err != nil {
			return nil, fmt.Errorf("vmconn: finding ~/.ssh/config: %w: %w", vmconn.ErrConfig, err)
		}
		file = filepath.Join(u.HomeDir, ".ssh", "config")
	}
	data, err := os.ReadFile(file)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return &Config{file: file, cfg: &ssh_config.Config{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vmconn: reading ssh config: %w: %w", vmconn.ErrConfig, err)
	}
	sc, err := parse(data, file)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// Parse parses ssh_config text. Include directives are followed as in
// Load. Errors wrap vmconn.ErrConfig.
func Parse(data []byte) (*Config, error) {
	return parse(data, "")
}

func parse(data []byte, file string) (sc *Config, err error) {
	name := file
	if name == "" {
		name = "ssh config"
	}
	defer func() { // the parser must not take the caller down with it
		if r := recover(); r != nil {
			sc, err = nil, fmt.Errorf("vmconn: parsing %s: %v: %w", name, r, vmconn.ErrConfig)
		}
	}()
	cfg, err := ssh_config.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("vmconn: parsing %s: %w: %w", name, vmconn.ErrConfig, err)
	}
	return &Config{file: file, cfg: cfg}, nil
}

// Resolved is what a Config says about one destination, merged with
// the caller's explicit settings.
type Resolved struct {
	// Alias is the host name as given to Resolve (what Host patterns
	// matched).
	Alias string

	// Addr is "host:port" to dial: HostName (or the alias) and the port.
	Addr string

	// Config is the caller's vmconn.Config with the file's settings in
	// the fields the caller left zero. Its User and Port are always set.
	Config *vmconn.Config

	// Jumps are the ProxyJump hosts, first hop first, each resolved from
	// the same file. Dial goes through them.
	Jumps []vmconn.JumpHost

	// ProxyCommand is the file's ProxyCommand for this host, tokens
	// expanded, or nil for none (or when ProxyJump comes first, or the
	// caller set DialContext). Config.DialContext runs it, for the first
	// connection and for every reconnection. Its Stderr is nil: the
	// command's standard error is discarded unless the caller sets it
	// before Dial (the vmconn CLI passes its own standard error, as ssh).
	// A jump host's own ProxyCommand runs with its standard error
	// discarded.
	ProxyCommand *vmconn.ProxyCommand

	// ForwardAgent is the file's ForwardAgent setting. vmconn never
	// forwards the agent by itself: see vmconn.Client.ForwardAgent.
	ForwardAgent bool

	// Forwards are the file's LocalForward, RemoteForward and
	// DynamicForward directives (see Forwards).
	Forwards Forwards

	// Control is the file's ControlMaster, ControlPath and
	// ControlPersist, for callers that share connections.
	Control Control

	// Warnings name the directives that apply to this host and that
	// vmconn does not implement although they matter for security or
	// for where the connection goes (ProxyCommand with an explicit
	// DialContext, HostKeyAlias, Ciphers, ...), and settings that weaken
	// security (StrictHostKeyChecking no). Show them to the user.
	Warnings []string
}

// Dial connects to the resolved destination, through its jump hosts if
// any (see vmconn.DialVia).
func (r *Resolved) Dial(ctx context.Context) (*vmconn.Client, error) {
	return vmconn.DialVia(ctx, r.Addr, r.Config, r.Jumps...)
}

// Resolve applies the file's settings for dest, "[user@]alias[:port]", on
// top of base (nil means the zero vmconn.Config), as ssh(1) does: what the
// caller set explicitly wins (a non-zero base field, then the user and
// port in dest), then the first value the file gives for the alias.
//
// Mapped directives: HostName, User, Port, IdentityFile and
// CertificateFile (~, ${VAR} and %-tokens expanded; missing files
// skipped, as OpenSSH does),
// IdentitiesOnly, IdentityAgent, UserKnownHostsFile,
// GlobalKnownHostsFile, StrictHostKeyChecking (yes and ask: strict;
// accept-new; no and off: HostKeyInsecureIgnore, with a warning),
// HostKeyAlgorithms (plain lists), ConnectTimeout, ServerAliveInterval and
// ServerAliveCountMax (keepalives; an interval of 0 disables them),
// ProxyJump (chains of any length; the first hop's own ProxyJump applies,
// as in OpenSSH), ProxyCommand (%h %p %r %n %% expanded, run by a
// vmconn.ProxyCommand through the user's shell; "none" for none; a
// base.DialContext wins over it, with a warning; of ProxyJump and
// ProxyCommand the one the file gives first applies, as in OpenSSH) and
// ForwardAgent, ControlMaster, ControlPath and ControlPersist (reported
// only: see Resolved.Control). Other directives that matter for
// security are listed in Resolved.Warnings.
func (s *Config) Resolve(dest string, base *vmconn.Config) (*Resolved, error) {
	if base == nil {
		base = &vmconn.Config{}
	}
	return s.resolve(dest, base, true, 0)
}

// maxJumpDepth bounds ProxyJump chains, which may loop.
const maxJumpDepth = 16

// resolve resolves dest; withJumps says whether its own ProxyJump counts
// (not for hops after the first, as in OpenSSH).
func (s *Config) resolve(dest string, base *vmconn.Config, withJumps bool, depth int) (*Resolved, error) {
	t, err := vmconn.ParseTarget(dest)
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
func (s *Config) jumps(m *mapper, base *vmconn.Config, depth int) ([]vmconn.JumpHost, error) {
	specs, err := m.proxyJump()
	if err != nil || len(specs) == 0 {
		return nil, err
	}
	if depth+len(specs) > maxJumpDepth {
		return nil, m.errorf("ProxyJump chain longer than %d hops (a loop?): %w", maxJumpDepth, vmconn.ErrConfig)
	}
	return s.resolveHops(specs, base, depth)
}

// ResolveJumps resolves a jump host list as given to ssh -J ("a,b"),
// each hop through the file as its own destination, with base's
// settings less those that belong to the target alone (see
// vmconn.JumpConfig); base's IdentityFiles serve a hop that the file
// gives none. As in
// OpenSSH, the first hop's own ProxyJump applies and the others' do not.
// Use the result as Resolved.Jumps to override the file's ProxyJump, as
// ssh -J does.
func (s *Config) ResolveJumps(list string, base *vmconn.Config) ([]vmconn.JumpHost, error) {
	specs, err := vmconn.ParseJumpList(list)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = &vmconn.Config{}
	}
	return s.resolveHops(specs, base, 0)
}

func (s *Config) resolveHops(specs []string, base *vmconn.Config, depth int) ([]vmconn.JumpHost, error) {
	if depth+len(specs) > maxJumpDepth {
		return nil, fmt.Errorf("vmconn: jump host chain longer than %d hops (a loop?): %w", maxJumpDepth, vmconn.ErrConfig)
	}
	hopBase := vmconn.JumpConfig(base)
	hopBase.IdentityFiles, hopBase.CertificateFiles = nil, nil // a hop's own come first
	var hops []vmconn.JumpHost
	for i, spec := range specs {
		r, err := s.resolve(spec, hopBase, i == 0, depth+len(specs))
		if err != nil {
			return nil, &hopError{hop: spec, err: err}
		}
		if len(r.Config.IdentityFiles) == 0 {
			r.Config.IdentityFiles = base.IdentityFiles
			if len(r.Config.CertificateFiles) == 0 {
				r.Config.CertificateFiles = base.CertificateFiles
			}
		}
		hops = append(hops, r.Jumps...) // the first hop's own chain
		hops = append(hops, vmconn.JumpHost{Addr: r.Addr, Config: r.Config})
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
