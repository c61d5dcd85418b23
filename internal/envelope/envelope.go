// Package envelope is the wire format of the commands vmconn sends: one
// exec request line that every login shell (sh, bash, dash, zsh, mksh,
// fish, tcsh) parses the same way and that hands over to /bin/sh at once,
// plus an optional header on the channel's standard input for values that
// must stay off every command line. REMOTE.md describes it for people;
// vmconn writes it and vmtest reads it.
//
// The exec request is
//
//	exec /bin/sh -c 'eval "$(printf "$1")"' sh 'PAYLOAD'
//
// PAYLOAD is a POSIX sh script in which every byte outside a small safe
// set is written as a printf octal escape (\ooo, always three digits).
// Neither the bootstrap nor PAYLOAD holds a single quote, a newline, a
// "!", a "%" or a backslash other than those escapes, so that the login
// shell passes both words through unchanged: tcsh treats "!" and newlines
// specially even inside single quotes, and fish treats "\\" and "\'".
//
// The header, when a script reads it with ReadHeader, is a second script
// (of "export NAME='value'" statements) in the same escaping, cut into
// lines of at most 512 bytes and ended by an empty line. Lines that
// short, with no control characters, also pass a terminal's line
// discipline unchanged.
package envelope

import (
	"errors"
	"strings"
)

// Bootstrap is the fixed start of every exec request line: it makes the
// login shell exec /bin/sh, which decodes its first argument and runs it.
const Bootstrap = `exec /bin/sh -c 'eval "$(printf "$1")"' sh '`

// MaxLine is the longest exec request line: Linux refuses a longer
// single argument (MAX_ARG_STRLEN, 128 KiB with its NUL) to the login
// shell's -c.
const MaxLine = 128<<10 - 1

// ReadHeader is a shell snippet that reads the header from standard input
// and runs it, leaving the rest of standard input untouched (sh's read
// takes one byte at a time from a pipe).
const ReadHeader = `__vmconn_e=; while IFS= read -r __vmconn_l && [ -n "$__vmconn_l" ]; do __vmconn_e=$__vmconn_e$__vmconn_l; done; ` +
	`eval "$(printf "$__vmconn_e")"; unset __vmconn_e __vmconn_l; `

// headerLine is the longest line of a header.
const headerLine = 512

// ErrTooLong: the line would not fit in one argument.
var ErrTooLong = errors.New("command too long for one exec request (128 KiB after encoding)")

// Line returns the exec request line that runs script in /bin/sh.
func Line(script string) (string, error) {
	line := Bootstrap + Escape(script) + "'"
	if len(line) > MaxLine {
		return "", ErrTooLong
	}
	return line, nil
}

// Decode returns the script that line runs, and whether line is an
// envelope at all.
func Decode(line string) (script string, ok bool) {
	p, ok := strings.CutPrefix(line, Bootstrap)
	if !ok {
		return "", false
	}
	if p, ok = strings.CutSuffix(p, "'"); !ok || strings.ContainsAny(p, "'\n") {
		return "", false
	}
	return Unescape(p)
}

// Header returns the standard input header that carries script.
func Header(script string) []byte {
	e := Escape(script)
	var b strings.Builder
	for len(e) > headerLine {
		b.WriteString(e[:headerLine] + "\n")
		e = e[headerLine:]
	}
	if e != "" {
		b.WriteString(e + "\n")
	}
	b.WriteString("\n")
	return []byte(b.String())
}
