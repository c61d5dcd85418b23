package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/vmconn/vmconn/sshconfig"
)

// parse turns the -L, -R and -D values into forwards.
func (ff *forwardFlags) parse() (sshconfig.Forwards, error) {
	var s sshconfig.Forwards
	for _, v := range ff.local {
		f, err := parseForward("-L", v, true)
		if err != nil {
			return s, err
		}
		s.Local = append(s.Local, f)
	}
	for _, v := range ff.remote {
		f, err := parseForward("-R", v, true)
		if err != nil {
			return s, err
		}
		s.Remote = append(s.Remote, f)
	}
	for _, v := range ff.dynamic {
		f, err := parseForward("-D", v, false)
		if err != nil {
			return s, err
		}
		s.Dynamic = append(s.Dynamic, f)
	}
	return s, nil
}

// mergeForwards appends the forwards of o (from ssh_config) to those of s.
func mergeForwards(s, o sshconfig.Forwards) sshconfig.Forwards {
	s.Local = append(s.Local, o.Local...)
	s.Remote = append(s.Remote, o.Remote...)
	s.Dynamic = append(s.Dynamic, o.Dynamic...)
	return s
}

// parseForward parses ssh's "[bind:]port:host:hostport" (withTarget) or
// "[bind:]port"; an IPv6 address goes in brackets.
func parseForward(flag, v string, withTarget bool) (sshconfig.Forward, error) {
	parts := splitColons(v)
	want, bind := "[bind:]port", ""
	if withTarget {
		want = "[bind:]port:host:hostport"
		if len(parts) < 3 || len(parts) > 4 {
			return sshconfig.Forward{}, fmt.Errorf("%s %q: want %s", flag, v, want)
		}
		n := len(parts)
		bind = strings.Join(parts[:n-2], ":")
		f := sshconfig.Forward{Bind: sshconfig.BindAddr(bind), Target: net.JoinHostPort(strings.Trim(parts[n-2], "[]"), parts[n-1])}
		return f, checkPorts(flag, v, want, f)
	}
	if len(parts) > 2 {
		return sshconfig.Forward{}, fmt.Errorf("%s %q: want %s", flag, v, want)
	}
	f := sshconfig.Forward{Bind: sshconfig.BindAddr(strings.Join(parts, ":"))}
	return f, checkPorts(flag, v, want, f)
}

// checkPorts makes sure the ports of f are numbers in range.
func checkPorts(flag, v, want string, f sshconfig.Forward) error {
	for _, hp := range []string{f.Bind, f.Target} {
		if hp == "" {
			continue
		}
		_, port, err := net.SplitHostPort(hp)
		if err == nil {
			_, err = net.LookupPort("tcp", port)
		}
		if err != nil || port == "" || strings.Trim(port, "0123456789") != "" {
			return fmt.Errorf("%s %q: want %s with numeric ports", flag, v, want)
		}
	}
	return nil
}

// splitColons splits s at the colons outside brackets.
func splitColons(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
