package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
	"github.com/vmconn/vmconn/job"
)

// runMany starts the command as a detached job on every host and follows
// them all, each on its own connection (see fanout.RunJobs); with
// --detach it only starts them.
func (f *longFlags) runMany(cmd *cobra.Command, g *globalFlags, h *hostsFlags, command string) error {
	if g.bootID != "" {
		return errBootIDMany
	}
	hosts, err := h.list()
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	if err := g.checkFleet(); err != nil {
		return err
	}
	fl := newFleetJobs(cmd, g, f.dir, f.detach)
	opts := fl.options(g, h, &job.Options{
		Dir: f.dir, Env: f.env, Timeout: f.timeout, KillDelay: f.killDelay, SystemdScope: f.scope})
	opts.KillOnCancel = f.follow.killOnInterrupt
	if f.detach {
		fanout.StartJobs(cmd.Context(), hosts, command, opts)
	} else {
		fanout.RunJobs(cmd.Context(), hosts, command, opts)
	}
	return fl.finish()
}

// fleetJobs prints what "long -H" and "attach -H" see: each host's job
// ID as it starts, its output (lines prefixed "host: ", or JSON lines),
// and its end as soon as it ends; then a summary, and after an interrupt
// the command that re-attaches to the jobs left running.
type fleetJobs struct {
	ctx       context.Context
	stdout    io.Writer
	stderr    *lockedWriter
	js        *jsonHosts // nil: text
	dir       string
	startOnly bool // --detach: the jobs are started, not followed
	tally     fleetTally
	detached  []fanout.Result
}

func newFleetJobs(cmd *cobra.Command, g *globalFlags, dir string, startOnly bool) *fleetJobs {
	fl := &fleetJobs{ctx: cmd.Context(), stdout: cmd.OutOrStdout(), stderr: &lockedWriter{w: cmd.ErrOrStderr()},
		dir: dir, startOnly: startOnly}
	if g.json {
		fl.js = newJSONHosts(cmd.OutOrStdout())
	}
	return fl
}

// options returns the fan-out's options: each host dialled as a single
// host would be, its connection's events shown, its job in jobOpts.
func (fl *fleetJobs) options(g *globalFlags, h *hostsFlags, jobOpts *job.Options) *fanout.JobOptions {
	opts := &fanout.JobOptions{Job: jobOpts, OnStart: fl.started,
		Options: fanout.Options{Dial: g.fleetDial(fl.stderr, true), Parallel: h.parallel, OnResult: fl.ended}}
	if fl.js != nil {
		opts.Output = fl.js.output
	} else {
		opts.Stdout, opts.Stderr = fl.stdout, fl.stderr
	}
	return opts
}

// started reports a host's job: "host=ID" on stdout with --detach (what
// attach -H takes), else "host: job: ID" on stderr; a start object with
// --json.
func (fl *fleetJobs) started(host string, j *job.Job) {
	switch {
	case fl.js != nil:
		_ = fl.js.jl.print(startObj{Type: "start", Host: host, JobID: j.ID})
	case fl.startOnly:
		fmt.Fprintf(fl.stdout, "%s=%s\n", host, j.ID)
	default:
		fmt.Fprintf(fl.stderr, "%s: job: %s\n", host, j.ID)
	}
}

// ended reports a host's end as soon as it comes.
func (fl *fleetJobs) ended(r fanout.Result) {
	class := classOf(r.Err)
	if r.Job != nil && fl.ctx.Err() != nil && errors.Is(r.Err, fl.ctx.Err()) {
		class = classDetached
		fl.detached = append(fl.detached, r)
	}
	fl.tally.add(class)
	switch {
	case fl.js != nil && (!fl.startOnly || r.Job == nil):
		fl.js.endJob(r, class)
	case fl.js != nil:
	case r.Job == nil:
		printHostEnd(fl.stderr, r)
	case class == classDetached:
		o, e := r.Job.Offsets()
		fmt.Fprintf(fl.stderr, "%s: job %s: detached at stdout %d, stderr %d; it goes on\n", r.Host, r.Job.ID, o, e)
	case !fl.startOnly && r.Err == nil:
		fmt.Fprintf(fl.stderr, "%s: job %s: command exited with status 0\n", r.Host, r.Job.ID)
	case !fl.startOnly:
		fmt.Fprintf(fl.stderr, "%s: job %s: %s\n", r.Host, r.Job.ID, strings.TrimPrefix(bareMsg(r.Err), "job "+r.Job.ID+": "))
	}
}

// finish prints the summary and, after an interrupt, how to re-attach;
// it returns the exit status: 0 when every host's job succeeded (or,
// with --detach, started), 130 when detached, 1 otherwise.
func (fl *fleetJobs) finish() error {
	err := fl.tally.finish(fl.stderr)
	if len(fl.detached) == 0 {
		return err
	}
	var specs []string
	for _, r := range fl.detached {
		o, e := r.Job.Offsets()
		specs = append(specs, fmt.Sprintf("%s=%s:%d:%d", r.Host, r.Job.ID, o, e))
	}
	hint := "vmconn attach [flags] -H " + vmconn.ShellQuote(strings.Join(specs, ","))
	if fl.dir != "" {
		hint += " --dir " + vmconn.ShellQuote(fl.dir)
	}
	fmt.Fprintf(fl.stderr, "vmconn: detached from %d job%s, which go on; re-attach with:\n  %s\n", len(specs), plural(len(specs)), hint)
	return &exitError{code: exitDetached}
}
