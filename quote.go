package vmconn

import (
	"fmt"
	"strings"
)

// ShellQuote quotes s as one word for a POSIX shell (sh, bash, dash, zsh):
// the result, pasted into a command line, stands for exactly s, whatever
// bytes it holds (quotes, $, backslashes, newlines, non-UTF-8). s must not
// contain a NUL byte, which no shell word can hold.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, needsQuote) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// needsQuote reports bytes outside the set that is safe unquoted.
func needsQuote(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("-_./:,+@%=", r)
}

// ShellJoin quotes each argument and joins them with spaces, building a
// command line that runs args[0] with args[1:] exactly as given.
func ShellJoin(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = ShellQuote(a)
	}
	return strings.Join(q, " ")
}

// envPrefix renders "KEY=VALUE" pairs as shell exports. Keys must be
// valid shell names.
func envPrefix(env []string) (string, error) {
	var b strings.Builder
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !validEnvName(k) {
			return "", fmt.Errorf("vmconn: bad environment entry %q (want NAME=value): %w", kv, ErrConfig)
		}
		if strings.IndexByte(v, 0) >= 0 {
			return "", fmt.Errorf("vmconn: environment value of %s holds a NUL byte: %w", k, ErrConfig)
		}
		b.WriteString("export " + k + "=" + ShellQuote(v) + "; ")
	}
	return b.String(), nil
}

func validEnvName(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
