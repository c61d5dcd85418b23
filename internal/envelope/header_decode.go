package envelope

import (
	"bufio"
	"errors"
	"strings"
)

// maxHeader bounds the header ReadHeaderFrom reads.
const maxHeader = 16 << 20

// errBadHeader: the header is not in the form Header writes.
var errBadHeader = errors.New("envelope: malformed header")

// ReadHeaderFrom reads a header, as Header writes it, from r: lines up to
// and including an empty one. It returns the script the header carries
// and the bytes it read, which are all the bytes it took from r beyond
// r's buffer. A header that does not end, or that is in neither of
// Header's forms, is an error; raw still holds what was read.
func ReadHeaderFrom(r *bufio.Reader) (script string, raw []byte, err error) {
	var escaped strings.Builder
	for {
		line, err := r.ReadString('\n')
		raw = append(raw, line...)
		if err != nil {
			return "", raw, err
		}
		if line == "\n" {
			break
		}
		if len(raw) > maxHeader {
			return "", raw, errBadHeader
		}
		escaped.WriteString(strings.TrimSuffix(line, "\n"))
	}
	script, ok := decodeHeader(escaped.String())
	if !ok {
		return "", raw, errBadHeader
	}
	return script, raw, nil
}

// decodeHeader undoes Header's two forms: a plain script as it is, or
// one in the printf escaping inside an eval.
func decodeHeader(joined string) (string, bool) {
	const start, end = `eval "$(printf '`, `')"`
	if p, ok := strings.CutPrefix(joined, start); ok {
		if p, ok = strings.CutSuffix(p, end); ok {
			return Unescape(p)
		}
		return "", false
	}
	return joined, plain(joined)
}

// ParseExports reads a script of "export NAME=WORD; " statements, each
// WORD a literal in POSIX sh quoting (bare bytes, '...' and \x, as
// vmconn's ShellQuote writes them), and returns "NAME=value" entries in
// order. A script in any other form is an error.
func ParseExports(script string) ([]string, error) {
	var env []string
	for s := script; strings.TrimSpace(s) != ""; {
		rest, ok := strings.CutPrefix(strings.TrimLeft(s, " "), "export ")
		name, word, found := strings.Cut(rest, "=")
		if !ok || !found || name == "" || strings.ContainsAny(name, " ;'\\") {
			return env, errBadHeader
		}
		value, n, err := unquoteWord(word)
		if err != nil {
			return env, err
		}
		env = append(env, name+"="+value)
		s, ok = strings.CutPrefix(word[n:], ";")
		if !ok {
			return env, errBadHeader
		}
	}
	return env, nil
}

// unquoteWord reads one sh word from the start of s, up to an unquoted
// ";" or space, and returns its value and its length in s.
func unquoteWord(s string) (value string, n int, err error) {
	var b strings.Builder
	for n < len(s) {
		switch c := s[n]; c {
		case ';', ' ':
			return b.String(), n, nil
		case '\'':
			end := strings.IndexByte(s[n+1:], '\'')
			if end < 0 {
				return "", n, errBadHeader
			}
			b.WriteString(s[n+1 : n+1+end])
			n += end + 2
		case '\\':
			if n+1 >= len(s) {
				return "", n, errBadHeader
			}
			b.WriteByte(s[n+1])
			n += 2
		default:
			b.WriteByte(c)
			n++
		}
	}
	return b.String(), n, nil
}
