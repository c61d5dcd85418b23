package main

import (
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn/job"
)

// startObj names the job that "long" started or "attach" follows.
type startObj struct {
	Type  string `json:"type"`
	Host  string `json:"host"`
	JobID string `json:"job_id"`
}

// jobOutput is where a followed job's output goes: the terminal, or JSON
// lines (jl not nil).
type jobOutput struct {
	stdout, stderr io.Writer
	jl             *jsonLines
	out, errOut    *jsonStream
	host           string
	job            *job.Job
	start          time.Time
}

// newJobOutput prepares the output of following job; with asJSON it
// prints the start object.
func newJobOutput(cmd *cobra.Command, host string, j *job.Job, asJSON bool) *jobOutput {
	o := &jobOutput{stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr(), host: host, job: j, start: time.Now()}
	if asJSON {
		o.jl = newJSONLines(cmd.OutOrStdout())
		_ = o.jl.print(startObj{Type: "start", Host: host, JobID: j.ID})
		from, stderrFrom := j.Offsets()
		o.out, o.errOut = o.jl.streams(host, from, stderrFrom)
		o.stdout, o.stderr = o.out, o.errOut
	}
	return o
}

// end prints the end object of a job that ended (or could not be
// followed) with err, and returns exit, the CLI's result for it.
func (o *jobOutput) end(err, exit error) error {
	if o.jl == nil {
		return exit
	}
	e := endOf(o.host, err, o.start, o.out, o.errOut)
	e.JobID = o.job.ID
	return o.finish(e, exit)
}

// detached prints the end object of a follow the user interrupted: the
// byte counts are where "attach --from" resumes.
func (o *jobOutput) detached(exit error) error {
	if o.jl == nil {
		return exit
	}
	e := endOf(o.host, nil, o.start, o.out, o.errOut)
	e.JobID, e.Class, e.ExitStatus = o.job.ID, classDetached, -1
	return o.finish(e, exit)
}

// finish prints e; the exit status stays the CLI's, its message is dropped
// (the end object says it).
func (o *jobOutput) finish(e endObj, exit error) error {
	if err := o.jl.print(e); err != nil {
		return jsonExit(err, nil)
	}
	if xe, ok := exit.(*exitError); ok {
		return &exitError{code: xe.code}
	}
	return exit
}
