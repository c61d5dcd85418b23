package vmconn

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Target is a parsed "[user@]host[:port]" address. IPv6 literals are
// written in brackets when a port follows ("[::1]:2222"); a bare IPv6
// literal ("::1") is accepted without a port.
type Target struct {
	User string // empty when the address names none
	Host string // host name or IP literal, without brackets
	Port int    // 0 when the address names none
}

// ParseTarget parses "[user@]host[:port]". It returns an ErrConfig error
// for an empty or malformed host or a port outside 1..65535.
func ParseTarget(s string) (Target, error) {
	var t Target
	bad := func(why string) (Target, error) {
		return Target{}, fmt.Errorf("vmconn: bad address %q: %s: %w", s, why, ErrConfig)
	}
	if s == "" {
		return bad("empty")
	}
	if strings.ContainsAny(s, " \t\r\n/") {
		return bad("contains whitespace or '/'")
	}
	rest := s
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		t.User, rest = rest[:i], rest[i+1:]
		if t.User == "" {
			return bad("empty user")
		}
	}
	host, port, err := splitHostPort(rest)
	if err != nil {
		return bad(err.Error())
	}
	if host == "" {
		return bad("empty host")
	}
	t.Host = host
	if port != "" {
		if t.Port, err = parsePort(port); err != nil {
			return bad(err.Error())
		}
	}
	return t, nil
}

// splitHostPort splits "host", "host:port", "[v6]", "[v6]:port" and a bare
// IPv6 literal.
func splitHostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", "", fmt.Errorf("missing ']'")
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, "", nil
		}
		if !strings.HasPrefix(rest, ":") || rest == ":" {
			return "", "", fmt.Errorf("unexpected %q after ']'", rest)
		}
		return host, rest[1:], nil
	}
	switch strings.Count(s, ":") {
	case 0:
		return s, "", nil
	case 1:
		i := strings.Index(s, ":")
		if i == len(s)-1 {
			return "", "", fmt.Errorf("empty port")
		}
		return s[:i], s[i+1:], nil
	}
	if net.ParseIP(s) == nil {
		return "", "", fmt.Errorf("too many colons (write IPv6 with a port as [addr]:port)")
	}
	return s, "", nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q out of range 1-65535", s)
	}
	return n, nil
}

// String formats the target as "[user@]host[:port]", bracketing IPv6.
func (t Target) String() string {
	s := t.Host
	if t.Port != 0 {
		s = net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
	} else if strings.Contains(s, ":") {
		s = "[" + s + "]"
	}
	if t.User != "" {
		s = t.User + "@" + s
	}
	return s
}

// hostPort returns "host:port" for dialling, with defaultPort when none.
func (t Target) hostPort(defaultPort int) string {
	p := t.Port
	if p == 0 {
		p = defaultPort
	}
	return net.JoinHostPort(t.Host, strconv.Itoa(p))
}
