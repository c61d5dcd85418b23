// Package textutil holds the small text helpers that vmconn's packages
// share: cutting a string for an error message, and splitting the
// NUL-terminated fields that remote scripts print.
package textutil

import "strings"

// Truncate returns s cut to n bytes, with "..." appended when it was cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// SplitNUL splits NUL-terminated fields; an empty b has none.
func SplitNUL(b []byte) []string {
	s := string(b)
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\x00"), "\x00")
}
