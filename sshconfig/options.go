package sshconfig

import (
	"bytes"
	"fmt"
	"strings"

	ssh_config "github.com/kevinburke/ssh_config"
	"github.com/vmconn/vmconn"
)

// supportedOptions are the directives Resolve maps, as WithOptions
// accepts them.
var supportedOptions = []string{
	"HostName", "User", "Port", "IdentityFile", "IdentitiesOnly", "IdentityAgent",
	"CertificateFile", "UserKnownHostsFile", "GlobalKnownHostsFile",
	"StrictHostKeyChecking", "HostKeyAlgorithms", "ConnectTimeout",
	"ServerAliveInterval", "ServerAliveCountMax", "ProxyJump", "ProxyCommand",
	"ForwardAgent", "ControlMaster", "ControlPath", "ControlPersist",
}

// WithOptions returns a copy of s with settings given as ssh -o gives
// them, "Key=Value" or "Key Value", for every host and ahead of the file,
// so that they win over it (the first value obtained applies, as in
// OpenSSH). Only the directives Resolve maps are accepted (see Resolve);
// others, Host, Match and Include are an error wrapping vmconn.ErrConfig.
func (s *Config) WithOptions(opts ...string) (*Config, error) {
	var b bytes.Buffer
	for _, o := range opts {
		line, err := optionLine(o)
		if err != nil {
			return nil, fmt.Errorf("vmconn: -o %q: %w", o, err)
		}
		b.WriteString(line + "\n")
	}
	cfg, err := ssh_config.Decode(&b)
	if err != nil {
		return nil, fmt.Errorf("vmconn: -o options: %w: %w", vmconn.ErrConfig, err)
	}
	hosts := append(cfg.Hosts[:len(cfg.Hosts):len(cfg.Hosts)], s.cfg.Hosts...)
	return &Config{file: s.file, cfg: &ssh_config.Config{Hosts: hosts}}, nil
}

// optionLine turns one -o option into an ssh_config line.
func optionLine(o string) (string, error) {
	o = strings.TrimSpace(o)
	i := strings.IndexAny(o, "= \t")
	if i <= 0 || strings.ContainsAny(o, "\r\n") {
		return "", fmt.Errorf("want Key=Value: %w", vmconn.ErrConfig)
	}
	key, value := o[:i], strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(o[i:]), "="))
	for _, k := range supportedOptions {
		if strings.EqualFold(k, key) {
			if value == "" {
				return "", fmt.Errorf("%s has no value: %w", k, vmconn.ErrConfig)
			}
			return k + " " + value, nil
		}
	}
	return "", fmt.Errorf("%s is not a directive vmconn applies (%s): %w", key, strings.Join(supportedOptions, ", "), vmconn.ErrConfig)
}
