// Package shell quotes words for POSIX shells. vmconn.ShellQuote and
// vmconn.ShellJoin are its exported face; vmconn's packages use it
// directly.
package shell

import (
	"slices"
	"strings"
)

// Quote quotes s as one word for a POSIX shell: the result, pasted into a
// command line, stands for exactly s, whatever bytes it holds (quotes, $,
// backslashes, newlines, non-UTF-8). It also holds in bash, dash, zsh and
// mksh (not in fish or tcsh). s must not contain a NUL byte, which no
// shell word can hold.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, needsQuote) < 0 && !specialStart(s) {
		return s
	}
	return quote(s)
}

// quote single-quotes s.
func quote(s string) string {
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

// specialStart reports a word whose first byte some shell expands
// unquoted: zsh replaces =cmd with the path of cmd.
func specialStart(s string) bool {
	return s[0] == '='
}

// reservedWords are the words that bash, zsh, mksh or POSIX sh read as
// syntax in a command's first position; quoted, they are plain commands.
var reservedWords = []string{
	"!", "{", "}", "[[", "]]", "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for",
	"foreach", "function", "if", "in", "nocorrect", "noglob", "repeat", "select", "then", "time",
	"until", "while", "end",
}

// Join quotes each argument and joins them with spaces, building a
// command line that runs args[0] with args[1:] exactly as given. The
// first word is quoted also when a shell would read it as an assignment
// (A=B) or a reserved word (time, if), so that it always names the
// command.
func Join(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	if len(args) > 0 && (strings.Contains(args[0], "=") || slices.Contains(reservedWords, args[0])) {
		q[0] = quote(args[0])
	}
	return strings.Join(q, " ")
}

// IsName reports whether k is a valid shell variable name.
func IsName(k string) bool {
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
