package sshconfig

import (
	"errors"
	"strings"
	"time"
)

// PersistForever is Control.Persist for "ControlPersist yes" (or 0): a
// shared connection with no idle limit.
const PersistForever = time.Duration(1<<63 - 1)

// Control holds the file's connection-sharing directives for a host, as
// ssh reads them. vmconn's CLI shares connections through masters of its
// own, never OpenSSH's (see the CLI's --control-persist).
type Control struct {
	// Master is ControlMaster in lower case ("yes", "no", "auto", "ask",
	// "autoask"), or "" when the file does not set it.
	Master string

	// Path is ControlPath with "~" and %-tokens expanded (%C is
	// OpenSSH's connection hash), or "" when unset or "none".
	Path string

	// Persist is ControlPersist: how long an idle shared connection
	// stays up. 0 means unset or "no"; PersistForever means "yes" or 0.
	Persist time.Duration
}

// Shares reports whether the directives ask for connection sharing:
// ControlMaster other than "no" with a ControlPath.
func (c Control) Shares() bool {
	return c.Master != "" && c.Master != "no" && c.Path != ""
}

// control reads ControlMaster, ControlPath and ControlPersist. It must
// run after destination, which sets the tokens.
func (m *mapper) control() (Control, error) {
	var c Control
	switch v := strings.ToLower(m.get("ControlMaster")); v {
	case "", "yes", "no", "auto", "ask", "autoask":
		c.Master = v
	case "true":
		c.Master = "yes"
	case "false":
		c.Master = "no"
	default:
		return c, bad("ControlMaster", v, "yes, no, auto, ask or autoask")
	}
	if p := m.get("ControlPath"); p != "" && !strings.EqualFold(p, "none") {
		path, err := m.tok.expandPath(p)
		if err != nil {
			return c, bad("ControlPath", p, "a path with known tokens")
		}
		c.Path = path
	}
	persist, err := m.persist()
	c.Persist = persist
	return c, err
}

// persist parses ControlPersist: yes, no, or an ssh time value (0 means
// forever, as in ssh).
func (m *mapper) persist() (time.Duration, error) {
	v := m.get("ControlPersist")
	switch strings.ToLower(v) {
	case "", "no", "false":
		return 0, nil
	case "yes", "true":
		return PersistForever, nil
	}
	d, err := parseTime(v)
	if err != nil {
		return 0, bad("ControlPersist", v, "yes, no or a time such as 10m")
	}
	if d == 0 {
		return PersistForever, nil
	}
	return d, nil
}

// parseTime parses sshd_config(5)'s TIME FORMATS: a sequence of numbers
// each with an optional unit (s, m, h, d, w; none means seconds), as in
// "90", "10m" or "1h30m".
func parseTime(v string) (time.Duration, error) {
	if v == "" {
		return 0, errBadTime
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	var total time.Duration
	for v != "" {
		i := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			return 0, errBadTime
		}
		n := time.Duration(0)
		for _, c := range v[:i] {
			n = n*10 + time.Duration(c-'0')
		}
		unit := time.Second
		v = v[i:]
		if v != "" {
			u, ok := units[v[0]|0x20]
			if !ok {
				return 0, errBadTime
			}
			unit, v = u, v[1:]
		}
		total += n * unit
		if total > 365*24*time.Hour {
			return 0, errBadTime
		}
	}
	return total, nil
}

// errBadTime is parseTime's error; callers wrap it with the directive.
var errBadTime = errors.New("not a time value")
