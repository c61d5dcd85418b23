package vmconn

import (
	"io"
	"sync"
)

// sudoEvent is what sudoFilter tells sudoGate.
type sudoEvent int

const (
	sudoAsked   sudoEvent = iota // sudo printed its password prompt
	sudoStarted                  // the inner shell printed its start marker
)

// sudoGate is the standard input of a Cmd run with Sudo. It holds
// everything back until sudo asks for the password (then it gives the
// password line, once) or the command started (then it gives in); a
// second prompt, or close, ends it.
type sudoGate struct {
	events    chan sudoEvent
	done      chan struct{}
	closeOnce sync.Once

	// owned by the one goroutine that calls Read
	password []byte // "password\n", nil for none
	in       io.Reader
	pending  []byte
	asked    bool
	open     bool
	eof      bool
}

func newSudoGate(password string, in io.Reader) *sudoGate {
	g := &sudoGate{events: make(chan sudoEvent, 8), done: make(chan struct{}), in: in}
	if password != "" {
		g.password = []byte(password + "\n")
	}
	return g
}

// notify passes an event on without blocking (there are at most a few).
func (g *sudoGate) notify(ev sudoEvent) {
	select {
	case g.events <- ev:
	default:
	}
}

// close ends the input, also a Read waiting for an event.
func (g *sudoGate) close() { g.closeOnce.Do(func() { close(g.done) }) }

func (g *sudoGate) Read(p []byte) (int, error) {
	for {
		switch {
		case len(g.pending) > 0:
			n := copy(p, g.pending)
			g.pending = g.pending[n:]
			return n, nil
		case g.open:
			return g.in.Read(p)
		case g.eof:
			return 0, io.EOF
		}
		select {
		case ev := <-g.events:
			g.handle(ev)
		case <-g.done:
			g.eof = true
		}
	}
}

// handle applies one event.
func (g *sudoGate) handle(ev sudoEvent) {
	switch {
	case ev == sudoStarted:
		g.open = true
	case g.asked || g.password == nil: // asked again: the password was wrong
		g.eof = true
	default:
		g.asked, g.pending = true, g.password
	}
}
