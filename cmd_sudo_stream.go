package vmconn

import (
	"bytes"
	"io"
	"sync"
)

// maxSudoSaid caps what sudoFilter keeps of sudo's own messages.
const maxSudoSaid = 4 << 10

// maxMarkerSearch bounds the output skipped while looking for the start
// marker (what a chatty login script prints before the root shell runs).
const maxMarkerSearch = 64 << 10

// sudoFilter is an io.Writer on the stream where sudo and the root shell
// write their messages (stderr, or stdout with a PTY). Until the root
// shell's start marker it works line by line: it drops the markers and
// sudo's password prompts (telling the gate of each), keeps a copy of
// what sudo said, and passes everything else on; after the marker it
// passes bytes straight through.
type sudoFilter struct {
	dst    io.Writer
	start  []byte
	prompt []byte
	gate   *sudoGate

	mu          sync.Mutex
	buf         []byte
	saidBuf     bytes.Buffer
	seen        bool // start marker seen, or given up looking
	marker      bool // the start marker itself was seen
	prompts     int  // password prompts seen
	afterPrompt bool // the last thing seen was a prompt
}

func newSudoFilter(token string, gate *sudoGate) *sudoFilter {
	return &sudoFilter{start: []byte(sudoMarker(token)), prompt: []byte(sudoPrompt(token)), gate: gate}
}

func (f *sudoFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen {
		return len(p), f.pass(p)
	}
	f.buf = append(f.buf, p...)
	for !f.seen {
		if f.takePrompt() {
			continue
		}
		nl := bytes.IndexByte(f.buf, '\n')
		if nl < 0 {
			if len(f.buf) > maxMarkerSearch {
				f.seen = true
				return len(p), f.flush()
			}
			return len(p), nil
		}
		line := bytes.TrimSuffix(f.buf[:nl], []byte("\r"))
		after := f.afterPrompt
		f.afterPrompt = false
		switch {
		case bytes.Equal(line, f.start):
			f.seen, f.marker = true, true
			f.gate.notify(sudoStarted)
		case after && len(line) == 0: // sudo's newline after reading the password
		default:
			if f.saidBuf.Len() < maxSudoSaid {
				f.saidBuf.Write(f.buf[:nl+1])
			}
			if err := f.pass(f.buf[:nl+1]); err != nil {
				return len(p), err
			}
		}
		f.buf = f.buf[nl+1:]
	}
	return len(p), f.flush()
}

// takePrompt drops a password prompt at the start of the held line and
// tells the gate; sudo prints it with no newline.
func (f *sudoFilter) takePrompt() bool {
	i := bytes.Index(f.buf, f.prompt)
	if i < 0 || bytes.IndexByte(f.buf[:i], '\n') >= 0 {
		return false
	}
	if i > 0 { // sudo said something without a newline before asking
		f.keep(f.buf[:i])
	}
	f.buf = f.buf[i+len(f.prompt):]
	f.prompts++
	f.afterPrompt = true
	f.gate.notify(sudoAsked)
	return true
}

// keep records b as said by sudo and passes it on.
func (f *sudoFilter) keep(b []byte) {
	if f.saidBuf.Len() < maxSudoSaid {
		f.saidBuf.Write(b)
	}
	f.pass(b)
}

// flush passes on what is held.
func (f *sudoFilter) flush() error {
	b := f.buf
	f.buf = nil
	return f.pass(b)
}

func (f *sudoFilter) pass(b []byte) error {
	if f.dst == nil || len(b) == 0 {
		return nil
	}
	_, err := f.dst.Write(b)
	return err
}

// finish passes on a last line without a newline.
func (f *sudoFilter) finish() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen {
		return nil
	}
	if f.saidBuf.Len() < maxSudoSaid {
		f.saidBuf.Write(f.buf)
	}
	return f.flush()
}

// started reports whether the root shell ran.
func (f *sudoFilter) started() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.marker
}

// said returns what came before the marker: sudo's messages.
func (f *sudoFilter) said() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saidBuf.String() + string(f.buf)
}

// asked returns how many times sudo asked for the password.
func (f *sudoFilter) asked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.prompts
}

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
