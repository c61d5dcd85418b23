package sshconfig

import (
	"crypto/sha1" //nolint:gosec // %C is OpenSSH's SHA-1 connection hash, not a security measure
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vmconn/vmconn/internal/shell"
)

// tokens holds the values of ssh_config's %-tokens for one connection
// (see "TOKENS" in ssh_config(5)).
type tokens struct {
	host      string // %h: the remote host name, after HostName
	alias     string // %n: the name as given
	port      int    // %p
	user      string // %r: the remote user; "" while not known yet
	jump      string // %j: the ProxyJump value
	localUser string // %u
	localHome string // %d
	uid       string // %i
	localHost string // %l
}

// newTokens fills in the local values.
func newTokens(alias string) *tokens {
	t := &tokens{alias: alias, host: alias, uid: strconv.Itoa(os.Getuid())}
	if u, err := user.Current(); err == nil {
		t.localUser, t.localHome = u.Username, u.HomeDir
	}
	if t.localHome == "" {
		t.localHome, _ = os.UserHomeDir()
	}
	t.localHost, _ = os.Hostname()
	return t
}

// localUserOr returns the local user's name, or def when it is unknown.
func (t *tokens) localUserOr(def string) string {
	if t.localUser != "" {
		return t.localUser
	}
	return def
}

// value returns the value of token c, or false if c is not a token or its
// value is not known yet.
func (t *tokens) value(c byte) (string, bool) {
	switch c {
	case '%':
		return "%", true
	case 'h':
		return t.host, true
	case 'n', 'k':
		return t.alias, true
	case 'p':
		return strconv.Itoa(t.port), t.port != 0
	case 'r':
		return t.user, t.user != ""
	case 'j':
		return t.jump, true
	case 'u':
		return t.localUser, t.localUser != ""
	case 'd':
		return t.localHome, t.localHome != ""
	case 'i':
		return t.uid, true
	case 'l':
		return t.localHost, true
	case 'L':
		short, _, _ := strings.Cut(t.localHost, ".")
		return short, true
	case 'C':
		if t.port == 0 || t.user == "" {
			return "", false
		}
		sum := sha1.Sum([]byte(t.localHost + t.host + strconv.Itoa(t.port) + t.user + t.jump)) //nolint:gosec // see import
		return hex.EncodeToString(sum[:]), true
	}
	return "", false
}

// expand replaces the %-tokens listed in allowed (all of them when
// allowed is "*") and, if env is set, ${NAME} environment references.
// An unknown or unset token or variable is an error, as in OpenSSH.
func (t *tokens) expand(s, allowed string, env bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%':
			if i+1 >= len(s) {
				return "", fmt.Errorf("%q ends with a lone %%", s)
			}
			i++
			v, ok := t.value(s[i])
			if !ok || (allowed != "*" && s[i] != '%' && !strings.ContainsRune(allowed, rune(s[i]))) {
				return "", fmt.Errorf("%q: token %%%c is unknown or not allowed here", s, s[i])
			}
			b.WriteString(v)
		case env && s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("%q: unterminated ${", s)
			}
			name := s[i+2 : i+end]
			v, ok := os.LookupEnv(name)
			if !ok || !shell.IsName(name) {
				return "", fmt.Errorf("%q: environment variable %q is not set", s, name)
			}
			b.WriteString(v)
			i += end
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// expandPath expands a leading "~" or "~user", then tokens and ${NAME},
// as OpenSSH does for file names.
func (t *tokens) expandPath(s string) (string, error) {
	s, err := expandTilde(s, t.localHome)
	if err != nil {
		return "", err
	}
	return t.expand(s, "*", true)
}

// expandTilde replaces a leading "~/" (or a lone "~") with home and a
// leading "~user/" with that user's home directory.
func expandTilde(s, home string) (string, error) {
	if !strings.HasPrefix(s, "~") {
		return s, nil
	}
	name, rest, _ := strings.Cut(s[1:], "/")
	dir := home
	if name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return "", fmt.Errorf("%q: unknown user %q", s, name)
		}
		dir = u.HomeDir
	}
	if dir == "" {
		return "", fmt.Errorf("%q: no home directory", s)
	}
	return filepath.Join(dir, rest), nil
}

// splitArgs splits a value holding several words (UserKnownHostsFile),
// honouring double and single quotes as OpenSSH's argv_split does.
func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
