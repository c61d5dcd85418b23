package vmtest

import (
	"bytes"
	"io"
	"maps"
	"regexp"
	"slices"
	"sync"
	"time"
)

// A Fake is a scripted answer to a command; it is a Handler. The zero
// Fake prints nothing and exits 0.
type Fake struct {
	// Stdout and Stderr are written, in that order, after Delay.
	Stdout, Stderr string

	// Status, Signal and Fault say how the command ends (see Exit).
	Status int
	Signal string
	Fault  Fault

	// Delay is how long the fake takes before it answers. A signal from
	// the client ends the wait early: the command then ends with
	// exit-signal and prints nothing. Zero means none.
	Delay time.Duration

	// ReadStdin makes the fake read its standard input to the end before
	// it answers (Fakes records it in Call.Stdin). Without it, input is
	// left unread. Do not set it with a PTY, whose input has no end.
	ReadStdin bool
}

// ServeCommand answers c as f says.
func (f Fake) ServeCommand(c *Command) Exit {
	if f.ReadStdin {
		io.Copy(io.Discard, c.Stdin)
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case sig := <-c.Signals():
			return Exit{Signal: sig}
		case <-c.Context().Done():
			return Exit{Fault: NoExitStatus}
		}
	}
	io.WriteString(c.Stdout, f.Stdout)
	io.WriteString(c.Stderr, f.Stderr)
	return Exit{Status: f.Status, Signal: f.Signal, Fault: f.Fault}
}

// Fakes is a Handler that answers commands from a table, as
// http.ServeMux routes requests: by the exact command line (Handle,
// HandleFunc) or by a regular expression (HandleRegexp). An exact entry
// wins over any expression; among expressions the first added that
// matches wins. Commands that match no entry go to Fallback. Fakes
// records every command it sees (Calls).
//
// The zero value is an empty table whose Fallback is the real shell. Its
// methods are safe for concurrent use; set Fallback before the server
// starts.
type Fakes struct {
	// Fallback answers the commands that no entry matches. Nil means
	// Shell (the real shell); Refuse runs nothing.
	Fallback Handler

	mu      sync.Mutex
	exact   map[string]Handler
	regexps []regexpEntry
	calls   []*Call
}

// regexpEntry is a HandleRegexp entry.
type regexpEntry struct {
	re *regexp.Regexp
	h  Handler
}

// A Call is a command that a Fakes table received.
type Call struct {
	Line  string            // Command.Line
	Env   map[string]string // Command.Env
	Stdin string            // what the entry's Handler read from Command.Stdin
	Faked bool              // whether an entry answered it (false: the Fallback)
}

// Handle answers the command line command, exactly as the client gives
// it (Command.Line), with h. A second Handle of the same line replaces
// the first.
func (f *Fakes) Handle(command string, h Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.exact == nil {
		f.exact = map[string]Handler{}
	}
	f.exact[command] = h
}

// HandleFunc answers the command line command with fn.
func (f *Fakes) HandleFunc(command string, fn func(*Command) Exit) {
	f.Handle(command, HandlerFunc(fn))
}

// HandleRegexp answers the command lines that match the regular
// expression pattern (unanchored, as regexp.MatchString: use ^ and $)
// with h. It panics if pattern does not compile, as regexp.MustCompile.
func (f *Fakes) HandleRegexp(pattern string, h Handler) {
	re := regexp.MustCompile(pattern)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.regexps = append(f.regexps, regexpEntry{re, h})
}

// ServeCommand answers c with the matching entry, or Fallback, and
// records the call.
func (f *Fakes) ServeCommand(c *Command) Exit {
	h, call := f.route(c)
	if h == nil {
		return f.fallback().ServeCommand(c)
	}
	var in bytes.Buffer
	c.Stdin = io.TeeReader(c.Stdin, &lockedWriter{mu: &f.mu, w: &in})
	defer func() {
		f.mu.Lock()
		call.Stdin = in.String()
		f.mu.Unlock()
	}()
	return h.ServeCommand(c)
}

// route finds c's entry (nil: none) and records the call.
func (f *Fakes) route(c *Command) (Handler, *Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.exact[c.Line]
	for _, e := range f.regexps {
		if h != nil {
			break
		}
		if e.re.MatchString(c.Line) {
			h = e.h
		}
	}
	call := &Call{Line: c.Line, Env: maps.Clone(c.Env), Faked: h != nil}
	f.calls = append(f.calls, call)
	return h, call
}

// fallback returns Fallback, or Shell.
func (f *Fakes) fallback() Handler {
	if f.Fallback != nil {
		return f.Fallback
	}
	return Shell
}

// Calls returns the commands received so far, in order, faked or not.
// A faked call's Stdin is filled in when its Handler returns.
func (f *Fakes) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Call, len(f.calls))
	for i, c := range f.calls {
		out[i] = *c
		out[i].Env = maps.Clone(c.Env)
	}
	return out
}

// Lines returns the Line of every call so far, in order.
func (f *Fakes) Lines() []string {
	calls := f.Calls()
	lines := make([]string, 0, len(calls))
	for _, c := range calls {
		lines = append(lines, c.Line)
	}
	return slices.Clip(lines)
}

// lockedWriter writes to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
