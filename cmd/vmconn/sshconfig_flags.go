package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/sshconfig"
)

// sshFlags are the flags that fit vmconn into the OpenSSH world: an
// ssh_config file, jump hosts and sudo.
type sshFlags struct {
	configFile string   // -F; "" means ~/.ssh/config, "none" no file
	jump       string   // -J
	options    []string // -o (sshconfig_opts.go)
	sudo       bool
	sudoPwEnv  string
}

func (s *sshFlags) register(f *pflag.FlagSet) {
	f.StringVarP(&s.configFile, "config", "F", "", `ssh_config file ("none" for none; default ~/.ssh/config)`)
	f.StringVarP(&s.jump, "jump", "J", "", "jump hosts, comma-separated [user@]host[:port], as ssh -J (overrides ProxyJump and ProxyCommand)")
	s.registerOptions(f)
}

// registerSudo adds the sudo flags, for subcommands that run commands.
func (s *sshFlags) registerSudo(f *pflag.FlagSet) {
	f.BoolVar(&s.sudo, "sudo", false, "run the command as root through sudo (sudo -n unless --sudo-password-env)")
	f.StringVar(&s.sudoPwEnv, "sudo-password-env", "", "name of an environment variable holding the sudo password (implies --sudo)")
}

// loadConfig reads the ssh_config file the flags name; extra are -o
// directives from other flags, which come first.
func (s *sshFlags) loadConfig(extra ...string) (*sshconfig.Config, error) {
	var sc *sshconfig.Config
	var err error
	if s.configFile == "none" {
		sc, err = sshconfig.Parse(nil)
	} else {
		sc, err = sshconfig.Load(s.configFile)
	}
	if err != nil {
		return nil, err
	}
	return s.withOptions(sc, extra...)
}

// dial connects to host as ssh would: the ssh_config file's settings for
// it, under the global flags (which win), through -J or the file's
// ProxyJump. timeoutSet says whether --connect-timeout was given (else
// the file's ConnectTimeout applies). Warnings about directives vmconn
// does not apply go to warn. Errors are exitErrors, as globalFlags.dial's.
func (s *sshFlags) dial(ctx context.Context, g *globalFlags, timeoutSet bool, host string, warn io.Writer) (*vmconn.Client, error) {
	r, sh, err := s.resolveCall(g, timeoutSet, host, warn)
	if err != nil {
		return nil, err
	}
	return s.dialResolved(ctx, g, r, sh, host)
}

// dialResolved dials as dial does, once resolveCall has resolved host.
func (s *sshFlags) dialResolved(ctx context.Context, g *globalFlags, r *sshconfig.Resolved, sh *sharing, host string) (*vmconn.Client, error) {
	if sh != nil {
		if c, ok, err := g.dialShared(ctx, sh, r, host); ok {
			return c, err
		}
	}
	c, err := r.Dial(ctx)
	if err != nil {
		if errors.Is(err, vmconn.ErrConfig) {
			return nil, &exitError{code: exitUsage, err: err}
		}
		return nil, &exitError{code: exitConnError, err: withHostKeyHint(err)}
	}
	return c, nil
}

// resolveCall resolves host for one call (see dial): its settings, its
// warnings printed on warn, and how it shares a connection (nil: it
// does not). Errors are exitErrors.
func (s *sshFlags) resolveCall(g *globalFlags, timeoutSet bool, host string, warn io.Writer) (*sshconfig.Resolved, *sharing, error) {
	r, err := s.resolve(g, timeoutSet, host)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(warn, "vmconn: warning: %s: %s\n", host, w)
	}
	if r.ProxyCommand != nil {
		r.ProxyCommand.Stderr = warn // as ssh: the command's errors reach the user
	}
	sh, err := g.sharingFor(r, false)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: vmErr("", err)}
	}
	return r, sh, nil
}

// resolve maps host through the ssh_config file.
func (s *sshFlags) resolve(g *globalFlags, timeoutSet bool, host string) (*sshconfig.Resolved, error) {
	base, err := g.config()
	if err != nil {
		return nil, vmErr("", err)
	}
	if !timeoutSet {
		base.ConnectTimeout = 0 // the flag's default: let ConnectTimeout in the file apply
	}
	sc, err := s.loadConfig(g.controlOption()...)
	if err != nil {
		return nil, err
	}
	r, err := sc.Resolve(host, base)
	if err != nil {
		return nil, err
	}
	if s.jump != "" {
		if r.Jumps, err = sc.ResolveJumps(s.jump, base); err != nil {
			return nil, err
		}
		r.ProxyCommand, r.Config.DialContext = nil, nil // -J comes first, as in ssh
	}
	return r, nil
}

// command returns the command to run for line, through sudo when asked.
func (s *sshFlags) command(ctx context.Context, c *vmconn.Client, line string) (*vmconn.Cmd, error) {
	rc := c.Command(ctx, line)
	if !s.sudo && s.sudoPwEnv == "" {
		return rc, nil
	}
	rc.Sudo = &vmconn.Sudo{}
	if s.sudoPwEnv != "" {
		pw, ok := os.LookupEnv(s.sudoPwEnv)
		if !ok {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("vmconn: --sudo-password-env: environment variable %s is not set", s.sudoPwEnv)}
		}
		rc.Sudo.Password = pw
	}
	return rc, nil
}
