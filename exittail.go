package vmconn

import "strings"

// maxStderrTail bounds how much of a command's captured stderr an
// ExitError's message carries.
const maxStderrTail = 1 << 10

// stderrTail returns the end of stderr for an error message: at most
// maxStderrTail bytes (starting "..." when cut), its lines trimmed and
// joined with " | " so that the message stays on one line.
func stderrTail(stderr []byte) string {
	s := strings.TrimSpace(string(stderr))
	prefix := ""
	if len(s) > maxStderrTail {
		s, prefix = strings.ToValidUTF8(s[len(s)-maxStderrTail:], ""), "..."
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return prefix + strings.Join(lines, " | ")
}
