package sshconfig

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vmconn/vmconn"
)

// mapper maps the directives that apply to one alias onto a
// vmconn.Config.
type mapper struct {
	sc    *Config
	alias string
	base  *vmconn.Config // the caller's explicit settings
	tok   *tokens
}

// get returns the first value the file gives for key, or "".
func (m *mapper) get(key string) string {
	v, err := m.sc.cfg.Get(m.alias, key)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(v)
}

// getAll returns every value the file gives for key, in order.
func (m *mapper) getAll(key string) []string {
	vs, _ := m.sc.cfg.GetAll(m.alias, key)
	return vs
}

// bad reports an invalid value.
func bad(key, value, want string) error {
	return fmt.Errorf("%s %q: want %s: %w", key, value, want, vmconn.ErrConfig)
}

// apply fills r from the file, in the order the tokens need: host, user
// and port first, then what may refer to them.
func (m *mapper) apply(r *Resolved, t vmconn.Target) error {
	cfg := r.Config
	if err := m.destination(cfg, t); err != nil {
		return err
	}
	r.Addr = net.JoinHostPort(m.tok.host, strconv.Itoa(cfg.Port))
	steps := []func(*vmconn.Config) error{m.identities, m.certificates, m.agent, m.knownHosts, m.hostKeyMode, m.hostKeyAlgorithms, m.timeouts}
	for _, step := range steps {
		if err := step(cfg); err != nil {
			return err
		}
	}
	fwd, err := m.yesNo("ForwardAgent")
	if err != nil {
		return err
	}
	r.ForwardAgent = fwd
	if r.Forwards, err = m.forwards(); err != nil {
		return err
	}
	if r.Control, err = m.control(); err != nil {
		return err
	}
	r.Warnings = append(r.Warnings, m.warnings()...)
	if cfg.HostKeyMode == vmconn.HostKeyInsecureIgnore && m.base.HostKeyMode != vmconn.HostKeyInsecureIgnore {
		r.Warnings = append(r.Warnings, "StrictHostKeyChecking "+m.get("StrictHostKeyChecking")+
			": host keys are not checked (open to man-in-the-middle attacks)")
	}
	return m.proxyCommand(r)
}

// destination sets the host name, the user and the port, and the tokens
// that name them.
func (m *mapper) destination(cfg *vmconn.Config, t vmconn.Target) error {
	if hn := m.get("HostName"); hn != "" {
		h, err := m.tok.expand(hn, "h", false)
		if err != nil {
			return fmt.Errorf("HostName: %w: %w", err, vmconn.ErrConfig)
		}
		m.tok.host = h
	}
	if !validHostName(m.tok.host) {
		return fmt.Errorf("host name %q is not valid: %w", m.tok.host, vmconn.ErrConfig)
	}
	m.tok.jump = m.get("ProxyJump")
	if strings.EqualFold(m.tok.jump, "none") {
		m.tok.jump = ""
	}
	switch {
	case m.base.User != "":
	case t.User != "":
		cfg.User = t.User
	case m.get("User") != "":
		u, err := m.tok.expand(m.get("User"), "hnudilL", false)
		if err != nil {
			//lint:ignore ST1005 it starts with the directive's name, as ssh_config spells it
			return fmt.Errorf("User: %w: %w", err, vmconn.ErrConfig)
		}
		cfg.User = u
	default:
		cfg.User = m.tok.localUserOr("root") // as Dial does
	}
	m.tok.user = cfg.User
	port, err := m.port(t)
	if err != nil {
		return err
	}
	cfg.Port, m.tok.port = port, port
	return nil
}

// port picks the port: the destination's, the caller's, the file's, 22.
func (m *mapper) port(t vmconn.Target) (int, error) {
	switch {
	case t.Port != 0:
		return t.Port, nil
	case m.base.Port != 0:
		return m.base.Port, nil
	}
	v := m.get("Port")
	if v == "" {
		return vmconn.DefaultPort, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, bad("Port", v, "a number 1-65535")
	}
	return p, nil
}

// identities maps IdentityFile and IdentitiesOnly. Files that do not
// exist, or that are encrypted while no Passphrase callback was given and
// no agent may hold their key, are skipped: OpenSSH skips the former and
// asks for the latter (or finds the key in the agent, as Dial does).
func (m *mapper) identities(cfg *vmconn.Config) error {
	only, err := m.yesNo("IdentitiesOnly")
	if err != nil {
		return err
	}
	if only {
		cfg.IdentitiesOnly = true
	}
	if len(m.base.IdentityFiles) > 0 {
		return nil
	}
	for _, v := range m.getAll("IdentityFile") {
		file, err := m.tok.expandPath(v)
		if err != nil {
			return fmt.Errorf("IdentityFile: %w: %w", err, vmconn.ErrConfig)
		}
		if _, err := os.Stat(file); err != nil {
			continue
		}
		if cfg.Passphrase == nil {
			if err := vmconn.CheckIdentityFile(file, m.base); err != nil {
				if cfg.Logger != nil {
					cfg.Logger.Debug("vmconn: skipping IdentityFile from ssh config", "file", file, "err", err)
				}
				continue
			}
		}
		cfg.IdentityFiles = append(cfg.IdentityFiles, file)
	}
	return nil
}

// agent maps IdentityAgent.
func (m *mapper) agent(cfg *vmconn.Config) error {
	v := m.get("IdentityAgent")
	switch {
	case v == "" || m.base.AgentSocket != "" || m.base.NoAgent:
		return nil
	case strings.EqualFold(v, "none"):
		cfg.NoAgent = true
	case v == "SSH_AUTH_SOCK":
	case strings.HasPrefix(v, "$") && !strings.HasPrefix(v, "${"):
		cfg.AgentSocket = os.Getenv(v[1:])
	default:
		sock, err := m.tok.expandPath(v)
		if err != nil {
			return fmt.Errorf("IdentityAgent: %w: %w", err, vmconn.ErrConfig)
		}
		cfg.AgentSocket = sock
	}
	return nil
}

// knownHosts maps UserKnownHostsFile and GlobalKnownHostsFile. The user
// files come first: HostKeyAcceptNew appends to the first.
func (m *mapper) knownHosts(cfg *vmconn.Config) error {
	if len(m.base.KnownHostsFiles) > 0 {
		return nil
	}
	user, global := m.get("UserKnownHostsFile"), m.get("GlobalKnownHostsFile")
	if user == "" && global == "" {
		return nil
	}
	if user == "" {
		user = "~/.ssh/known_hosts"
	}
	files, err := m.fileList("UserKnownHostsFile", user)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		files = []string{os.DevNull} // "none": no user file; new keys go nowhere
	}
	more, err := m.fileList("GlobalKnownHostsFile", global)
	if err != nil {
		return err
	}
	cfg.KnownHostsFiles = append(files, more...)
	return nil
}

// fileList splits and expands a list of files; "none" is the empty list.
func (m *mapper) fileList(key, v string) ([]string, error) {
	words, err := splitArgs(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", key, err, vmconn.ErrConfig)
	}
	var files []string
	for _, w := range words {
		if strings.EqualFold(w, "none") {
			continue
		}
		f, err := m.tok.expandPath(w)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", key, err, vmconn.ErrConfig)
		}
		files = append(files, f)
	}
	return files, nil
}

// hostKeyMode maps StrictHostKeyChecking onto a zero (strict) mode.
func (m *mapper) hostKeyMode(cfg *vmconn.Config) error {
	v := strings.ToLower(m.get("StrictHostKeyChecking"))
	if v == "" || m.base.HostKeyMode != vmconn.HostKeyStrict || m.base.HostKeyCallback != nil {
		return nil
	}
	switch v {
	case "yes", "ask", "true":
		cfg.HostKeyMode = vmconn.HostKeyStrict
	case "accept-new":
		cfg.HostKeyMode = vmconn.HostKeyAcceptNew
	case "no", "off", "false":
		cfg.HostKeyMode = vmconn.HostKeyInsecureIgnore
	default:
		return bad("StrictHostKeyChecking", v, "yes, accept-new, no, off or ask")
	}
	return nil
}

// hostKeyAlgorithms maps a plain HostKeyAlgorithms list; lists that
// modify the default set (+, -, ^) are left to warnings.
func (m *mapper) hostKeyAlgorithms(cfg *vmconn.Config) error {
	v := m.get("HostKeyAlgorithms")
	if v == "" || len(m.base.HostKeyAlgorithms) > 0 || strings.ContainsAny(v[:1], "+-^") {
		return nil
	}
	cfg.HostKeyAlgorithms = strings.Split(v, ",")
	return nil
}

// timeouts maps ConnectTimeout, ServerAliveInterval and
// ServerAliveCountMax.
func (m *mapper) timeouts(cfg *vmconn.Config) error {
	if v := m.get("ConnectTimeout"); v != "" && m.base.ConnectTimeout == 0 && !strings.EqualFold(v, "none") {
		n, err := m.seconds("ConnectTimeout", v)
		if err != nil {
			return err
		}
		cfg.ConnectTimeout = n
	}
	if v := m.get("ServerAliveInterval"); v != "" && m.base.KeepaliveInterval == 0 {
		n, err := m.seconds("ServerAliveInterval", v)
		if err != nil {
			return err
		}
		cfg.KeepaliveInterval = n
		if n == 0 {
			cfg.KeepaliveInterval = -1 // OpenSSH's 0: no keepalives
		}
	}
	if v := m.get("ServerAliveCountMax"); v != "" && m.base.KeepaliveCountMax == 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return bad("ServerAliveCountMax", v, "a count")
		}
		cfg.KeepaliveCountMax = max(n, 1)
	}
	return nil
}

// seconds parses a whole number of seconds.
func (m *mapper) seconds(key, v string) (time.Duration, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<31/int(time.Second/time.Millisecond) {
		return 0, bad(key, v, "a number of seconds")
	}
	return time.Duration(n) * time.Second, nil
}

// yesNo parses a yes/no directive; absent is no.
func (m *mapper) yesNo(key string) (bool, error) {
	switch v := strings.ToLower(m.get(key)); v {
	case "", "no", "false":
		return false, nil
	case "yes", "true":
		return true, nil
	default:
		return false, bad(key, v, "yes or no")
	}
}

// validHostName accepts DNS names, IPv4 and IPv6 literals: no
// whitespace, no control or shell characters, colons only in IPv6.
func validHostName(h string) bool {
	if h == "" || strings.HasPrefix(h, "-") {
		return false
	}
	for _, r := range h {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("/@[]'\"\\`$;&|<>(){}*?!,=", r) {
			return false
		}
	}
	return !strings.Contains(h, ":") || net.ParseIP(h) != nil
}
