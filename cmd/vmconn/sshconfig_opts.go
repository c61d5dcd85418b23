package main

import (
	"github.com/spf13/pflag"
	"github.com/vmconn/vmconn/sshconfig"
)

// registerOptions adds -o, ssh's way to give an ssh_config directive for
// one call.
func (s *sshFlags) registerOptions(f *pflag.FlagSet) {
	f.StringArrayVarP(&s.options, "option", "o", nil,
		`ssh_config directive for this call, as ssh -o: Key=Value (repeatable; wins over the file), e.g. -o "ProxyCommand=nc %h %p"`)
}

// withOptions puts extra, then the -o directives, ahead of the file's.
func (s *sshFlags) withOptions(sc *sshconfig.Config, extra ...string) (*sshconfig.Config, error) {
	opts := append(extra[:len(extra):len(extra)], s.options...)
	if len(opts) == 0 {
		return sc, nil
	}
	return sc.WithOptions(opts...)
}
