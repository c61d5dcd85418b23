package vmconn

import (
	"fmt"
	"strings"

	"github.com/vmconn/vmconn/internal/shell"
)

// ShellQuote quotes s as one word for a POSIX shell: the result, pasted
// into a command line, stands for exactly s, whatever bytes it holds
// (quotes, $, backslashes, newlines, non-UTF-8). vmconn's commands run in
// /bin/sh whatever the login shell (see "Remote shell" in the package
// doc); the result also holds in bash, dash, zsh and mksh, so it may be
// used in a Raw command for those (not for fish or tcsh). s must not
// contain a NUL byte, which no shell word can hold.
func ShellQuote(s string) string { return shell.Quote(s) }

// ShellJoin quotes each argument and joins them with spaces, building a
// command line that runs args[0] with args[1:] exactly as given. The
// first word is quoted also when a shell would read it as an assignment
// (A=B) or a reserved word (time, if), so that it always names the
// command.
func ShellJoin(args ...string) string { return shell.Join(args...) }

// envPrefix renders "KEY=VALUE" pairs as shell exports. Keys must be
// valid shell names.
func envPrefix(env []string) (string, error) {
	var b strings.Builder
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !shell.IsName(k) {
			return "", fmt.Errorf("vmconn: bad environment entry %q (want NAME=value): %w", kv, ErrConfig)
		}
		if strings.IndexByte(v, 0) >= 0 {
			return "", fmt.Errorf("vmconn: environment value of %s holds a NUL byte: %w", k, ErrConfig)
		}
		b.WriteString("export " + k + "=" + shell.Quote(v) + "; ")
	}
	return b.String(), nil
}
