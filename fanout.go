package vmconn

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// DefaultParallel is how many hosts RunAll works on at once when
// FanOut.Parallel is zero.
const DefaultParallel = 64

// FanOut runs one command on many hosts. The zero value collects each
// host's output, DefaultParallel hosts at a time, with the zero Config.
type FanOut struct {
	// Config is used for every host (its address may add user and port).
	// Nil means the zero Config.
	Config *Config

	// Parallel bounds the hosts worked on at once. Zero means
	// DefaultParallel.
	Parallel int

	// Stdout and Stderr, if set, receive every host's output as it
	// arrives, line by line, each line prefixed with "host: " (like
	// parallel-ssh's inline mode); writes are serialised. When set, the
	// output is not also collected in HostResult.
	Stdout io.Writer
	Stderr io.Writer

	// Output, if set, is called once for each host before its command
	// starts and returns the writers that receive that host's stdout and
	// stderr as it arrives (nil discards); each is called from one
	// goroutine at a time. It takes precedence over Stdout and Stderr, and
	// the output is not collected in HostResult.
	Output func(host string) (stdout, stderr io.Writer)
}

// Outcome classes of a host in a fan-out, in HostResult.Class.
const (
	ClassOK          = "ok"          // the command exited 0
	ClassFailed      = "failed"      // it ran and exited non-zero or by a signal
	ClassUnreachable = "unreachable" // no connection: refused, no route, connect timeout, lost
	ClassAuth        = "auth"        // authentication or host key refused (too many keys offered too)
	ClassError       = "error"       // bad input, a reboot, or ctx ended (cancel or deadline alike)
)

// HostResult is what happened on one host.
type HostResult struct {
	Host       string
	Class      string // ClassOK, ClassFailed, ClassUnreachable, ClassAuth, ClassError
	ExitStatus int    // the command's status; -1 when it did not run to an end
	Stdout     []byte // collected output (nil when streamed)
	Stderr     []byte
	Err        error // nil when Class is ClassOK
	Duration   time.Duration
}

// RunAll runs command on every host, at most f.Parallel at once, and
// returns one result per host in the order of hosts. One host's failure
// never affects the others; ctx bounds the whole run (hosts not finished
// when it ends report its error). Each host gets its own connection,
// closed before RunAll returns.
func (f *FanOut) RunAll(ctx context.Context, hosts []string, command string) []HostResult {
	results := make([]HostResult, len(hosts))
	parallel := f.Parallel
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	var out, errOut *prefixWriter
	if f.Stdout != nil {
		out = &prefixWriter{w: f.Stdout}
	}
	if f.Stderr != nil {
		errOut = &prefixWriter{w: f.Stderr, mu: outMutex(out, f.Stdout, f.Stderr)}
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, host := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i] = HostResult{Host: host, Class: ClassError, ExitStatus: -1, Err: contextError(ctx, nil)}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = f.runOne(ctx, host, command, out, errOut)
		})
	}
	wg.Wait()
	return results
}

// outMutex shares one lock between the two writers when they are the
// same destination, so lines never interleave mid-line.
func outMutex(out *prefixWriter, stdout, stderr io.Writer) *sync.Mutex {
	if out != nil && stdout == stderr {
		return &out.mu0
	}
	return nil
}

func (f *FanOut) runOne(ctx context.Context, host, command string, out, errOut *prefixWriter) (r HostResult) {
	start := time.Now()
	r = HostResult{Host: host, ExitStatus: -1}
	defer func() { r.Duration = time.Since(start) }() // reaches the caller: r is a named result
	if ctx.Err() != nil {
		r.Class, r.Err = ClassError, contextError(ctx, nil)
		return r
	}
	cfg := f.Config
	if cfg == nil {
		cfg = &Config{}
	}
	c, err := Dial(ctx, host, cfg)
	if err != nil {
		r.Class, r.Err = classify(err), err
		return r
	}
	defer c.Close()
	cmd := c.Command(ctx, command)
	var sink hostOutput
	cmd.Stdout, cmd.Stderr = sink.writers(f, host, out, errOut)
	err = cmd.Run()
	r.Stdout, r.Stderr = sink.finish()
	r.ExitStatus, r.Err, r.Class = cmd.ExitCode(), err, classify(err)
	return r
}

// classify maps an error onto a fan-out class.
func classify(err error) string {
	var ee *ExitError
	switch {
	case err == nil:
		return ClassOK
	case errors.As(err, &ee):
		return ClassFailed
	case errors.Is(err, ErrAuth), errors.Is(err, ErrHostKeyUnknown), errors.Is(err, ErrHostKeyChanged),
		errors.Is(err, ErrHostKeyRevoked):
		return ClassAuth
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrRebooted):
		return ClassError
	case errors.Is(err, ErrUnreachable), errors.Is(err, ErrTimeout), errors.Is(err, ErrHandshake),
		errors.Is(err, ErrConnLost), errors.Is(err, ErrNoExitStatus):
		return ClassUnreachable
	}
	return ClassError
}

// prefixWriter writes whole lines prefixed with their host.
type prefixWriter struct {
	w   io.Writer
	mu  *sync.Mutex // shared with the other stream's writer, or nil
	mu0 sync.Mutex
	buf []byte
}

func (p *prefixWriter) writeLine(host string, line []byte) {
	mu := p.mu
	if mu == nil {
		mu = &p.mu0
	}
	mu.Lock()
	defer mu.Unlock()
	p.buf = append(append(append(append(p.buf[:0], host...), ": "...), line...), '\n')
	_, _ = p.w.Write(p.buf)
}
