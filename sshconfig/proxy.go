package sshconfig

import (
	"fmt"
	"strings"

	ssh_config "github.com/kevinburke/ssh_config"
	"github.com/vmconn/vmconn"
)

// proxyFirst returns which of ProxyJump and ProxyCommand the file gives
// first for the alias ("ProxyJump", "ProxyCommand" or "" for neither):
// OpenSSH uses that one and ignores the other, a "none" value included.
// Within one Include (whose order the parser does not expose) ProxyJump
// wins.
func (m *mapper) proxyFirst() string {
	for _, host := range m.sc.cfg.Hosts {
		if !host.Matches(m.alias) {
			continue
		}
		for _, node := range host.Nodes {
			if k := proxyKey(node, m.alias); k != "" {
				return k
			}
		}
	}
	return ""
}

// proxyKey returns the proxy directive that node sets, or "".
func proxyKey(node ssh_config.Node, alias string) string {
	switch n := node.(type) {
	case *ssh_config.KV:
		switch strings.ToLower(n.Key) {
		case "proxyjump":
			return "ProxyJump"
		case "proxycommand":
			return "ProxyCommand"
		}
	case *ssh_config.Include:
		for _, k := range []string{"ProxyJump", "ProxyCommand"} {
			if n.Get(alias, k) != "" {
				return k
			}
		}
	}
	return ""
}

// proxyJump returns the ProxyJump hops, or nil for none (or when a
// ProxyCommand comes first).
func (m *mapper) proxyJump() ([]string, error) {
	v := m.get("ProxyJump")
	if v == "" || strings.EqualFold(v, "none") || m.proxyFirst() != "ProxyJump" {
		return nil, nil
	}
	return vmconn.ParseJumpList(v)
}

// proxyCommand maps ProxyCommand (when it comes before any ProxyJump)
// onto a vmconn.ProxyCommand dialer, its %h %p %r %n %% expanded. A
// caller's own DialContext wins, with a warning.
func (m *mapper) proxyCommand(r *Resolved) error {
	v := m.get("ProxyCommand")
	if v == "" || strings.EqualFold(v, "none") || m.proxyFirst() != "ProxyCommand" {
		return nil
	}
	if m.base.DialContext != nil {
		r.Warnings = append(r.Warnings, "ProxyCommand is not run: Config.DialContext makes the connection instead")
		return nil
	}
	cmd, err := m.tok.expand(v, "hpnr", false)
	if err != nil {
		return fmt.Errorf("ProxyCommand: %w: %w", err, vmconn.ErrConfig)
	}
	r.ProxyCommand = &vmconn.ProxyCommand{Command: cmd}
	r.Config.DialContext = r.ProxyCommand.DialContext
	return nil
}
