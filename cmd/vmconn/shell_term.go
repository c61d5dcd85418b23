package main

import (
	"io"
	"os"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// terminal is the local terminal a shell runs on: the one on stdin.
type terminal struct {
	fd int
}

// openTerminal returns the terminal on in, or nil when in is not one.
func openTerminal(in io.Reader) *terminal {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &terminal{fd: int(f.Fd())}
}

// size returns the terminal's rows and columns; zero when unknown.
func (t *terminal) size() (rows, cols int) {
	cols, rows, err := term.GetSize(t.fd)
	if err != nil {
		return 0, 0
	}
	return rows, cols
}

// pty describes a remote pseudo-terminal like t: its size, $TERM, and
// echo on (the remote terminal echoes, as the local one no longer does
// in raw mode).
func (t *terminal) pty() *vmconn.PTY {
	rows, cols := t.size()
	modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	return &vmconn.PTY{Term: os.Getenv("TERM"), Rows: rows, Cols: cols, Modes: modes}
}

// makeRaw puts t in raw mode, so that every key reaches the remote side,
// and returns the function that restores it.
func (t *terminal) makeRaw() (restore func(), err error) {
	old, err := term.MakeRaw(t.fd)
	if err != nil {
		return nil, &exitError{code: exitConnError, err: vmErr("raw terminal", err)}
	}
	return func() { _ = term.Restore(t.fd, old) }, nil
}
