// Package envelope is the wire format of the commands vmconn sends: one
// exec request line that every login shell (sh, bash, dash, zsh, mksh,
// fish, tcsh) parses the same way and that hands over to /bin/sh at once,
// plus an optional header on the channel's standard input for values that
// must stay off every command line. REMOTE.md describes it for people;
// vmconn writes it and vmtest reads it.
//
// The exec request has one of two forms. The direct form,
//
//	exec /bin/sh -c 'SCRIPT' sh
//
// carries the script as it is. Line uses it when every byte of the script
// is printable ASCII other than a single quote, a "!" or a backslash, and
// the script does not start with "-" or "+" (which /bin/sh would take for
// an option): such a word means the same inside single quotes to every
// login shell (tcsh treats "!" specially even there, fish treats "\\" and
// "\'"). /bin/sh then runs the script with no further work.
//
// Every other script goes in the printf form,
//
//	exec /bin/sh -c 'eval "$(printf "$1")"' sh 'PAYLOAD'
//
// PAYLOAD is the script with every byte outside a small safe set written
// as a printf octal escape (\ooo, always three digits). Neither the
// bootstrap nor PAYLOAD holds a single quote, a newline, a "!", a "%" or a
// backslash other than those escapes, so the login shell passes both
// words through unchanged. It costs /bin/sh a fork (the command
// substitution) and an eval. In both forms $0 is "sh" and there are no
// positional parameters beyond the printf form's $1, which vmconn's
// scripts clear with "set --".
//
// The header, when a script reads it with ReadHeader, is a second script
// (of "export NAME='value'" statements) that /bin/sh evaluates, cut into
// lines of at most 512 bytes and ended by an empty line. When all its
// bytes are printable ASCII it travels as it is; otherwise it travels as
// eval "$(printf 'PAYLOAD')", in the printf escaping. Either way its
// lines are short and hold no control characters, so they also pass a
// terminal's line discipline unchanged. ReadHeader is direct-safe, so a
// command with a header still travels in the direct form when its own
// script allows, and a header of plain values costs no fork either.
package envelope

import (
	"errors"
	"strings"
)

// Prefix is the start of every exec request line, in either form.
const Prefix = `exec /bin/sh -c '`

// Bootstrap is the start of an exec request line in the printf form: it
// makes the login shell exec /bin/sh, which decodes its first argument
// and runs it.
const Bootstrap = Prefix + `eval "$(printf "$1")"' sh '`

// directEnd ends an exec request line in the direct form.
const directEnd = `' sh`

// MaxLine is the longest exec request line: Linux refuses a longer
// single argument (MAX_ARG_STRLEN, 128 KiB with its NUL) to the login
// shell's -c.
const MaxLine = 128<<10 - 1

// ReadHeader is a shell snippet that reads the header from standard input
// and runs it, leaving the rest of standard input untouched (sh's read
// takes one byte at a time from a pipe).
const ReadHeader = `__vmconn_e=; while IFS= read -r __vmconn_l && [ -n "$__vmconn_l" ]; do __vmconn_e=$__vmconn_e$__vmconn_l; done; ` +
	`eval "$__vmconn_e"; unset __vmconn_e __vmconn_l; `

// headerLine is the longest line of a header.
const headerLine = 512

// ErrTooLong: the line would not fit in one argument.
var ErrTooLong = errors.New("command too long for one exec request (128 KiB after encoding)")

// Line returns the exec request line that runs script in /bin/sh: the
// direct form when script allows it, else the printf form.
func Line(script string) (string, error) {
	if Direct(script) {
		return checked(directLine(script))
	}
	return checked(printfLine(script))
}

// Direct reports whether script can travel in the direct form.
func Direct(script string) bool {
	if script != "" && (script[0] == '-' || script[0] == '+') {
		return false
	}
	for i := 0; i < len(script); i++ {
		if !directSafe(script[i]) {
			return false
		}
	}
	return true
}

// directSafe reports the bytes a direct script may hold.
func directSafe(c byte) bool {
	return c >= ' ' && c <= '~' && c != '\'' && c != '!' && c != '\\'
}

// directLine is the direct form of script, which must be Direct.
func directLine(script string) string { return Prefix + script + directEnd }

// printfLine is the printf form of script.
func printfLine(script string) string { return Bootstrap + Escape(script) + "'" }

// checked returns line, or ErrTooLong.
func checked(line string) (string, error) {
	if len(line) > MaxLine {
		return "", ErrTooLong
	}
	return line, nil
}

// Decode returns the script that line runs, and whether line is an
// envelope at all, in either form.
func Decode(line string) (script string, ok bool) {
	if p, ok := strings.CutPrefix(line, Bootstrap); ok {
		if p, ok = strings.CutSuffix(p, "'"); !ok || strings.ContainsAny(p, "'\n") {
			return "", false
		}
		return Unescape(p)
	}
	p, ok := strings.CutPrefix(line, Prefix)
	if !ok {
		return "", false
	}
	if p, ok = strings.CutSuffix(p, directEnd); !ok || !Direct(p) {
		return "", false
	}
	return p, true
}

// Header returns the standard input header that carries script.
func Header(script string) []byte {
	e := script
	if !plain(script) {
		e = `eval "$(printf '` + Escape(script) + `')"`
	}
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

// plain reports whether a header script can travel as it is: printable
// ASCII only.
func plain(script string) bool {
	for i := 0; i < len(script); i++ {
		if script[i] < ' ' || script[i] > '~' {
			return false
		}
	}
	return true
}

// Waiter is the script of a waiting session (vmconn's
// Config.WarmSession): a /bin/sh, started ahead of the command it will
// run, that reads a header (as Header writes it) from standard input and
// evaluates the script the header carries, in the same shell, with no
// positional parameters and no variables of its own left; the rest of
// standard input is the script's. (Evaluating instead of exec'ing
// another /bin/sh saves that start; a syntax error's message then says
// "eval".) At end of input before the header's empty line it exits 1,
// running nothing. It is direct-safe: WaiterLine is in the direct form.
const Waiter = `__vmconn_s=; while IFS= read -r __vmconn_l; do [ -n "$__vmconn_l" ] || ` +
	`{ set -- "$__vmconn_s"; unset __vmconn_s __vmconn_l; eval "$1"; exit; }; ` +
	`__vmconn_s=$__vmconn_s$__vmconn_l; done; exit 1`

// WaiterLine is the exec request line of a waiting session that first
// runs prefix, a direct-safe script (vmconn's marker export: the waiting
// shell's command line then names the command it will run).
func WaiterLine(prefix string) (string, error) {
	if !Direct(prefix + Waiter) {
		return "", errors.New("envelope: waiter prefix not direct-safe")
	}
	return directLine(prefix + Waiter), nil
}

// IsWaiter reports whether script, decoded from an exec request line,
// is a waiting session's, and returns its prefix.
func IsWaiter(script string) (prefix string, ok bool) {
	return strings.CutSuffix(script, Waiter)
}
