package sshconfig

import (
	"net"
	"strings"
)

// Forward is one port forward the file asks for, as host:port pairs.
type Forward struct {
	// Bind is where to listen, host:port: locally for LocalForward and
	// DynamicForward, on the remote side for RemoteForward. A bind with
	// no address is on 127.0.0.1, as ssh does without GatewayPorts.
	Bind string
	// Target is where connections go, host:port; "" for DynamicForward.
	Target string
}

// Forwards are the file's LocalForward, RemoteForward and DynamicForward
// directives for a host, in order. vmconn sets them up only when asked
// (vmconn forward; package forward).
type Forwards struct {
	Local, Remote, Dynamic []Forward
}

// forwards reads the forward directives.
func (m *mapper) forwards() (Forwards, error) {
	var fw Forwards
	var err error
	if fw.Local, err = m.forwardList("LocalForward", true); err != nil {
		return fw, err
	}
	if fw.Remote, err = m.forwardList("RemoteForward", true); err != nil {
		return fw, err
	}
	fw.Dynamic, err = m.forwardList("DynamicForward", false)
	return fw, err
}

// forwardList parses every value of key: "[bind:]port host:hostport"
// (withTarget) or "[bind:]port".
func (m *mapper) forwardList(key string, withTarget bool) ([]Forward, error) {
	var out []Forward
	for _, v := range m.getAll(key) {
		fields := strings.Fields(v)
		if len(fields) == 0 || (withTarget && len(fields) != 2) || (!withTarget && len(fields) != 1) {
			return nil, bad(key, v, "[bind_address:]port"+map[bool]string{true: " host:hostport"}[withTarget])
		}
		f := Forward{Bind: BindAddr(fields[0])}
		if withTarget {
			if _, _, err := net.SplitHostPort(fields[1]); err != nil {
				return nil, bad(key, v, "host:hostport")
			}
			f.Target = fields[1]
		}
		if _, _, err := net.SplitHostPort(f.Bind); err != nil {
			return nil, bad(key, v, "[bind_address:]port")
		}
		out = append(out, f)
	}
	return out, nil
}

// BindAddr turns ssh's "[bind_address:]port" into host:port, with
// 127.0.0.1 for a missing, empty or "localhost" address and 0.0.0.0 for
// "*".
func BindAddr(s string) string {
	i := strings.LastIndex(s, ":")
	host, port := "", s
	if i >= 0 {
		host, port = strings.Trim(s[:i], "[]"), s[i+1:]
	}
	switch host {
	case "", "localhost":
		host = "127.0.0.1"
	case "*":
		host = "0.0.0.0"
	}
	return net.JoinHostPort(host, port)
}
