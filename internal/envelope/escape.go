package envelope

import "strings"

// safe reports the bytes that travel as they are; all others are escaped.
// Every one of them means the same inside single quotes in sh, bash,
// dash, zsh, mksh, fish and tcsh, and none is special to printf's format.
func safe(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(` "#$&()*+,-./:;<=>?@[]_{|}~`, c) >= 0
}

// Escape writes s for printf's format: safe bytes as they are, the others
// as \ooo.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if safe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('\\')
		b.WriteByte('0' + c>>6)
		b.WriteByte('0' + c>>3&7)
		b.WriteByte('0' + c&7)
	}
	return b.String()
}

// Unescape reverses Escape; ok is false if s is not in its form.
func Unescape(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			if !safe(c) {
				return "", false
			}
			b.WriteByte(c)
			continue
		}
		if i+4 > len(s) {
			return "", false
		}
		v := 0
		for _, d := range []byte(s[i+1 : i+4]) {
			if d < '0' || d > '7' {
				return "", false
			}
			v = v<<3 | int(d-'0')
		}
		if v > 0xff {
			return "", false
		}
		b.WriteByte(byte(v))
		i += 3
	}
	return b.String(), true
}
