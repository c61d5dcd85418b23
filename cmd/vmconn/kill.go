package main

import (
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

func newKillCmd(g *globalFlags) *cobra.Command {
	var dir, signal string
	cmd := &cobra.Command{
		Use:   "kill [flags] [user@]host[:port] ID",
		Short: "Send a signal to a job's whole process group",
		Long: `Send --signal (default TERM) to the process group of the job with the given ID.
Its follower ("vmconn long" or "attach") then reports its exit status.

Nothing is signalled unless the job directory is yours alone (it, and the
directories above it up to your home or /, writable by no one else; sticky ones
such as /tmp excepted) and its pid file names the job's own process group.

Exit status: 0 when signalled; 1 when the job does not exist or has already
ended; 254 when it was lost (the machine rebooted since it started: nothing is
signalled); 255 when the connection failed; 2 for bad usage, or a job directory
or pid that is refused.

With --json, one object is printed:
  {"host":H,"job_id":ID,"signal":S,"class":C,"error":E}
where class is ok (signalled), not_found, finished, lost, untrusted (a refused
job directory or pid), or as for exec
(unreachable, auth, error).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sig := ssh.Signal(strings.ToUpper(signal))
			err := killJob(cmd, g, args[0], args[1], dir, sig)
			if g.json {
				return printKillJSON(cmd.OutOrStdout(), args[0], args[1], sig, err)
			}
			return jobLookupError(err)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory on the host that holds the job directories (default ~/.cache/vmconn/jobs); refused unless yours and writable by no one else")
	cmd.Flags().StringVarP(&signal, "signal", "s", "TERM", "signal name, without SIG (TERM, INT, HUP, KILL, ...)")
	return cmd
}

// killJob finds the job and signals it.
func killJob(cmd *cobra.Command, g *globalFlags, host, id, dir string, sig ssh.Signal) error {
	ctx := cmd.Context()
	c, err := g.dial(ctx, host)
	if err != nil {
		return err
	}
	defer c.Close()
	j, err := job.Attach(ctx, c, id, &job.Options{Dir: dir})
	if err != nil {
		return err
	}
	return j.Kill(ctx, sig)
}

// killJSON is what "kill --json" prints.
type killJSON struct {
	Host   string `json:"host"`
	JobID  string `json:"job_id"`
	Signal string `json:"signal"`
	Class  string `json:"class"`
	Error  string `json:"error,omitempty"`
}

func printKillJSON(w io.Writer, host, id string, sig ssh.Signal, err error) error {
	err = unwrapExit(err)
	k := killJSON{Host: host, JobID: id, Signal: string(sig), Class: classOf(err)}
	switch {
	case errors.Is(err, job.ErrNotFound):
		k.Class = "not_found"
	case errors.Is(err, job.ErrFinished):
		k.Class = "finished"
	case errors.Is(err, job.ErrUntrusted):
		k.Class = "untrusted"
	}
	if err != nil {
		k.Error = err.Error()
	}
	return jsonExit(newJSONLines(w).print(k), jobLookupError(err))
}

// jobLookupError gives the errors of job.Attach and Job.Kill their exit status.
func jobLookupError(err error) error {
	var lost *job.LostError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, job.ErrNotFound), errors.Is(err, job.ErrFinished):
		return &exitError{code: exitNoJob, err: err}
	case errors.As(err, &lost):
		return &exitError{code: exitRebooted, err: err}
	}
	return jobCmdError(err)
}
