package fanout

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
	"github.com/vmconn/vmconn/job"
)

// DefaultParallel is how many hosts Run works on at once when
// Options.Parallel is zero.
const DefaultParallel = 64

// Options says how Run reaches the hosts and where their output goes.
// The zero value (or nil) collects each host's output, DefaultParallel
// hosts at a time, with the zero vmconn.Config.
type Options struct {
	// Config is used for every host (its address may add user and port).
	// Nil means the zero vmconn.Config. Unused when Dial is set.
	Config *vmconn.Config

	// Dial, if set, connects to each host, with whatever settings that
	// host needs (an ssh_config entry, jump hosts, a shared connection),
	// instead of vmconn.Dial with Config. It is called from many
	// goroutines at once. Its errors are classified with Classify, so
	// they should wrap vmconn's sentinel errors. The client it returns
	// is closed when the host is done.
	Dial func(ctx context.Context, host string) (*vmconn.Client, error)

	// Sudo, if set, runs Run's command on every host through sudo (see
	// vmconn.Sudo). Nil runs it as the login user. Not used for jobs.
	Sudo *vmconn.Sudo

	// Parallel bounds the hosts worked on at once (for jobs: the hosts
	// being connected to and starting their job; following them is not
	// bounded). Zero means DefaultParallel.
	Parallel int

	// Stdout and Stderr, if set, receive every host's output as it
	// arrives, line by line, each line prefixed with "host: " (like
	// parallel-ssh's inline mode); writes are serialised. When set, the
	// output is not also collected in Result.
	Stdout io.Writer
	Stderr io.Writer

	// Output, if set, is called once for each host before its command
	// starts (for jobs: before its job is followed) and returns the
	// writers that receive that host's stdout and stderr as it arrives
	// (nil discards); each is called from one goroutine at a time. i is
	// the host's position in the hosts given, as in Result.Index: a host
	// given twice is two runs, told apart by i. Output takes precedence
	// over Stdout and Stderr, and the output is not collected in Result.
	Output func(i int, host string) (stdout, stderr io.Writer)

	// OnResult, if set, is called with each host's Result as soon as
	// that host is done, while the others still run: results stream in
	// the order the hosts end. Calls are serialised, and all are made
	// before Run returns. Nil means results are only returned.
	OnResult func(Result)
}

// Result is what happened on one host.
type Result struct {
	Host       string
	Index      int // the host's position in the hosts (or refs) given: a host given twice has two
	Class      Class
	ExitStatus int    // the command's status; -1 when it did not run to an end
	Stdout     []byte // collected output (nil when streamed)
	Stderr     []byte
	Err        error         // nil when Class is OK
	Duration   time.Duration // from the host's start to its end, dial included

	// Job is the host's job, for StartJobs, RunJobs and AttachJobs (nil
	// when none was started or found): its ID, and its Offsets, where a
	// later AttachJobs resumes. Nil for Run.
	Job *job.Job
}

// Run runs command on every host, at most opts.Parallel at once, and
// returns one result per host in the order of hosts (opts.OnResult sees
// each as it ends). One host's failure never affects the others; ctx
// bounds the whole run (hosts not finished when it ends report its
// error). Each host gets its own connection, closed before Run returns.
// Nil opts means the zero Options.
func Run(ctx context.Context, hosts []string, command string, opts *Options) []Result {
	if opts == nil {
		opts = &Options{}
	}
	out, errOut := opts.prefixWriters()
	return opts.each(ctx, hosts, func(ctx context.Context, i int, host string, release func()) (r Result) {
		defer release()
		c, err := opts.connect(ctx, host, &r)
		if err != nil {
			return r
		}
		defer c.Close()
		cmd := c.Command(ctx, command)
		cmd.Sudo = opts.Sudo
		var sink hostOutput
		cmd.Stdout, cmd.Stderr = sink.writers(opts, i, host, out, errOut)
		err = cmd.Run()
		r.Stdout, r.Stderr = sink.finish()
		r.ExitStatus, r.Err, r.Class = cmd.ExitCode(), err, Classify(err)
		return r
	})
}

// hostFunc does the work for hosts[i] and returns its result (Host and
// Duration are filled in by each, and so is the result of a host whose
// turn came after ctx ended). It calls release once it no longer counts
// against Options.Parallel.
type hostFunc func(ctx context.Context, i int, host string, release func()) Result

// each runs work for every host, at most o.Parallel holding a slot at
// once, and hands each result to o.OnResult as it ends.
func (o *Options) each(ctx context.Context, hosts []string, work hostFunc) []Result {
	results := make([]Result, len(hosts))
	parallel := o.Parallel
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	sem := make(chan struct{}, parallel)
	var report sync.Mutex
	done := func(i int, r Result) {
		r.Index = i
		results[i] = r
		if o.OnResult != nil {
			report.Lock()
			defer report.Unlock()
			o.OnResult(r)
		}
	}
	var wg sync.WaitGroup
	for i, host := range hosts {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			done(i, Result{Host: host, Class: Error, ExitStatus: -1, Err: errutil.ContextEnd(ctx)})
			continue
		}
		wg.Go(func() { done(i, runHost(ctx, i, host, work, func() { <-sem })) })
	}
	wg.Wait()
	return results
}

// runHost runs work for host and measures it; release is called exactly
// once whatever work does.
func runHost(ctx context.Context, i int, host string, work hostFunc, release func()) (r Result) {
	var once sync.Once
	rel := func() { once.Do(release) }
	defer rel()
	start := time.Now()
	defer func() { r.Duration = time.Since(start) }() // reaches the caller: r is a named result
	if ctx.Err() != nil {
		return Result{Host: host, Class: Error, ExitStatus: -1, Err: errutil.ContextEnd(ctx)}
	}
	r = work(ctx, i, host, rel)
	r.Host = host
	return r
}

// connect dials host with Dial or Config. On failure it fills in r's
// class and error (and its exit status, -1) and returns the error.
func (o *Options) connect(ctx context.Context, host string, r *Result) (*vmconn.Client, error) {
	r.ExitStatus = -1
	var c *vmconn.Client
	var err error
	switch {
	case o.Dial != nil:
		c, err = o.Dial(ctx, host)
	case o.Config != nil:
		c, err = vmconn.Dial(ctx, host, o.Config)
	default:
		c, err = vmconn.Dial(ctx, host, &vmconn.Config{})
	}
	if err != nil {
		r.Class, r.Err = Classify(err), err
	}
	return c, err
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
