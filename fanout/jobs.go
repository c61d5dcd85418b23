package fanout

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

// killWait bounds, after ctx ended, the kill of one host's job and the
// follow to its end, for JobOptions.KillOnCancel.
const killWait = 30 * time.Second

// JobOptions says how StartJobs, RunJobs and AttachJobs reach the hosts,
// where the jobs live and where their output goes. The zero value (or
// nil) is the zero Options and the zero job.Options.
type JobOptions struct {
	// Options are the connections, parallelism, output and OnResult, as
	// for Run. Each host's connection must be able to reconnect
	// (vmconn.Config.ReconnectTimeout not negative) for its job to be
	// followed across disconnects.
	Options

	// Job configures each host's job (directory, environment, timeout)
	// as for job.Start; AttachJobs uses its Dir only. Nil means the zero
	// job.Options.
	Job *job.Options

	// OnStart, if set, is called for each host once its job has started
	// (or, for AttachJobs, was found), before it is followed. Calls are
	// serialised.
	OnStart func(host string, j *job.Job)

	// KillOnCancel makes RunJobs and AttachJobs, when ctx ends while a
	// job runs, kill it (SIGTERM, then SIGKILL) and follow it to its end,
	// within 30 seconds. Without it the jobs go on, detached, and their
	// Results carry the context's error and the Job, whose Offsets are
	// where AttachJobs resumes.
	KillOnCancel bool
}

// JobRef names one host's job for AttachJobs, and where to resume
// following it.
type JobRef struct {
	Host string
	ID   string // the job's ID, or its directory's absolute path (see job.Attach)

	// Stdout and Stderr are the byte offsets in the job's logs to resume
	// at (see job.Job.SetOffsets); zero is the start.
	Stdout, Stderr int64
}

// StartJobs starts command as a detached job (see package job) on every
// host and returns without following them: each Result has Class OK and
// its Job once the job runs, ExitStatus -1. Use AttachJobs (from this or
// another process) to follow them.
func StartJobs(ctx context.Context, hosts []string, command string, opts *JobOptions) []Result {
	run := newJobRun(opts, false)
	return run.each(ctx, hosts, func(ctx context.Context, i int, host string, release func()) Result {
		return run.hostJob(ctx, i, host, release, func(ctx context.Context, c *vmconn.Client) (*job.Job, error) {
			return job.Start(ctx, c, command, run.Job)
		})
	})
}

// RunJobs starts command as a detached job on every host and follows
// them all to their ends, each on its own connection: a host whose
// connection drops reconnects and resumes its output at the exact byte,
// without touching the others, so every byte of each job reaches that
// host's writers exactly once. Each Result has the job's exit status and
// its class; a job lost to a reboot has a *job.LostError. When ctx ends
// the jobs go on (unless opts.KillOnCancel), and their Results say where
// to resume.
func RunJobs(ctx context.Context, hosts []string, command string, opts *JobOptions) []Result {
	run := newJobRun(opts, true)
	return run.each(ctx, hosts, func(ctx context.Context, i int, host string, release func()) Result {
		return run.hostJob(ctx, i, host, release, func(ctx context.Context, c *vmconn.Client) (*job.Job, error) {
			return job.Start(ctx, c, command, run.Job)
		})
	})
}

// AttachJobs finds each job that refs name (see job.Attach), and follows
// them all to their ends from the offsets given, as RunJobs does. The
// Results are in the order of refs.
func AttachJobs(ctx context.Context, refs []JobRef, opts *JobOptions) []Result {
	run := newJobRun(opts, true)
	hosts := make([]string, len(refs))
	for i, ref := range refs {
		hosts[i] = ref.Host
	}
	return run.each(ctx, hosts, func(ctx context.Context, i int, host string, release func()) Result {
		return run.hostJob(ctx, i, host, release, func(ctx context.Context, c *vmconn.Client) (*job.Job, error) {
			j, err := job.Attach(ctx, c, refs[i].ID, &job.Options{Dir: run.Job.Dir})
			if err == nil {
				j.SetOffsets(refs[i].Stdout, refs[i].Stderr)
			}
			return j, err
		})
	})
}

// jobRun is one call of StartJobs, RunJobs or AttachJobs: a copy of the
// caller's options (nil: the zero ones) and the call's own state.
type jobRun struct {
	JobOptions
	follow      bool          // follow each job to its end
	out, errOut *prefixWriter // for Options.Stdout and Stderr
	startMu     sync.Mutex    // serialises OnStart
}

func newJobRun(opts *JobOptions, follow bool) *jobRun {
	run := &jobRun{follow: follow}
	if opts != nil {
		run.JobOptions = *opts
	}
	if run.Job == nil {
		run.Job = &job.Options{}
	}
	run.out, run.errOut = run.prefixWriters()
	return run
}

// hostJob connects to host (hosts[i]), opens its job with open and, if
// the run follows, follows it to its end.
func (o *jobRun) hostJob(ctx context.Context, i int, host string, release func(),
	open func(context.Context, *vmconn.Client) (*job.Job, error)) (r Result) {
	c, err := o.connect(ctx, host, &r)
	if err != nil {
		return r
	}
	defer c.Close()
	j, err := open(ctx, c)
	if err != nil {
		r.Class, r.Err = Classify(err), err
		return r
	}
	r.Job = j
	o.started(host, j)
	release() // following is not bounded by Parallel
	if !o.follow {
		r.Class = OK
		return r
	}
	var sink hostOutput
	stdout, stderr := sink.writers(&o.Options, i, host, o.out, o.errOut)
	err = j.Follow(ctx, stdout, stderr)
	if err != nil && ctx.Err() != nil && o.KillOnCancel {
		err = killAndFollow(ctx, j, stdout, stderr)
	}
	r.Stdout, r.Stderr = sink.finish()
	r.ExitStatus, r.Err, r.Class = j.ExitCode(), err, Classify(err)
	return r
}

// started calls OnStart, serialised.
func (o *jobRun) started(host string, j *job.Job) {
	if o.OnStart == nil {
		return
	}
	o.startMu.Lock()
	defer o.startMu.Unlock()
	o.OnStart(host, j)
}

// killAndFollow kills j, whose follow ctx ended, and follows it to its
// end: SIGTERM, then SIGKILL if it still runs 10s later, all within
// killWait.
func killAndFollow(ctx context.Context, j *job.Job, stdout, stderr io.Writer) error {
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), killWait)
	defer cancel()
	var err error
	for _, sig := range []ssh.Signal{ssh.SIGTERM, ssh.SIGKILL} {
		if kerr := j.Kill(kctx, sig); kerr != nil && !errors.Is(kerr, job.ErrFinished) {
			return kerr
		}
		fctx, fcancel := context.WithTimeout(kctx, killWait/3)
		err = j.Follow(fctx, stdout, stderr)
		ended := fctx.Err() == nil || kctx.Err() != nil
		fcancel()
		if ended {
			return err
		}
	}
	return err
}
