package fanout

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// DefaultParallel is how many hosts Run works on at once when
// Options.Parallel is zero.
const DefaultParallel = 64

// Options says how Run reaches the hosts and where their output goes.
// The zero value (or nil) collects each host's output, DefaultParallel
// hosts at a time, with the zero vmconn.Config.
type Options struct {
	// Config is used for every host (its address may add user and port).
	// Nil means the zero vmconn.Config.
	Config *vmconn.Config

	// Parallel bounds the hosts worked on at once. Zero means
	// DefaultParallel.
	Parallel int

	// Stdout and Stderr, if set, receive every host's output as it
	// arrives, line by line, each line prefixed with "host: " (like
	// parallel-ssh's inline mode); writes are serialised. When set, the
	// output is not also collected in Result.
	Stdout io.Writer
	Stderr io.Writer

	// Output, if set, is called once for each host before its command
	// starts and returns the writers that receive that host's stdout and
	// stderr as it arrives (nil discards); each is called from one
	// goroutine at a time. It takes precedence over Stdout and Stderr, and
	// the output is not collected in Result.
	Output func(host string) (stdout, stderr io.Writer)
}

// Result is what happened on one host.
type Result struct {
	Host       string
	Class      Class
	ExitStatus int    // the command's status; -1 when it did not run to an end
	Stdout     []byte // collected output (nil when streamed)
	Stderr     []byte
	Err        error         // nil when Class is OK
	Duration   time.Duration // from the host's start to its end, dial included
}

// Run runs command on every host, at most opts.Parallel at once, and
// returns one result per host in the order of hosts. One host's failure
// never affects the others; ctx bounds the whole run (hosts not finished
// when it ends report its error). Each host gets its own connection,
// closed before Run returns. Nil opts means the zero Options.
func Run(ctx context.Context, hosts []string, command string, opts *Options) []Result {
	if opts == nil {
		opts = &Options{}
	}
	results := make([]Result, len(hosts))
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	out, errOut := opts.prefixWriters()
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, host := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i] = Result{Host: host, Class: Error, ExitStatus: -1, Err: errutil.ContextEnd(ctx)}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = opts.runOne(ctx, host, command, out, errOut)
		})
	}
	wg.Wait()
	return results
}

// prefixWriters returns the writers of prefixed lines for Stdout and
// Stderr, nil for those not set.
func (o *Options) prefixWriters() (out, errOut *prefixWriter) {
	if o.Stdout != nil {
		out = &prefixWriter{w: o.Stdout}
	}
	if o.Stderr != nil {
		errOut = &prefixWriter{w: o.Stderr, mu: outMutex(out, o.Stdout, o.Stderr)}
	}
	return out, errOut
}

// outMutex shares one lock between the two writers when they are the
// same destination, so lines never interleave mid-line.
func outMutex(out *prefixWriter, stdout, stderr io.Writer) *sync.Mutex {
	if out != nil && stdout == stderr {
		return &out.mu0
	}
	return nil
}

func (o *Options) runOne(ctx context.Context, host, command string, out, errOut *prefixWriter) (r Result) {
	start := time.Now()
	r = Result{Host: host, ExitStatus: -1}
	defer func() { r.Duration = time.Since(start) }() // reaches the caller: r is a named result
	if ctx.Err() != nil {
		r.Class, r.Err = Error, errutil.ContextEnd(ctx)
		return r
	}
	cfg := o.Config
	if cfg == nil {
		cfg = &vmconn.Config{}
	}
	c, err := vmconn.Dial(ctx, host, cfg)
	if err != nil {
		r.Class, r.Err = Classify(err), err
		return r
	}
	defer c.Close()
	cmd := c.Command(ctx, command)
	var sink hostOutput
	cmd.Stdout, cmd.Stderr = sink.writers(o, host, out, errOut)
	err = cmd.Run()
	r.Stdout, r.Stderr = sink.finish()
	r.ExitStatus, r.Err, r.Class = cmd.ExitCode(), err, Classify(err)
	return r
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
