package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// exitNoJob is the exit status of a job subcommand whose job does not
// exist, or has already ended (kill).
const exitNoJob = 1

func init() {
	extraCommands = append(extraCommands, newKillCmd)
}

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
or pid that is refused.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := g.dial(ctx, args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			job, err := c.AttachJob(ctx, args[1], &vmconn.JobOptions{Dir: dir})
			if err != nil {
				return jobLookupError(err)
			}
			return jobLookupError(job.Kill(ctx, ssh.Signal(strings.ToUpper(signal))))
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory on the host that holds the job directories (default ~/.cache/vmconn/jobs); refused unless yours and writable by no one else")
	cmd.Flags().StringVarP(&signal, "signal", "s", "TERM", "signal name, without SIG (TERM, INT, HUP, KILL, ...)")
	return cmd
}

// jobLookupError gives the errors of AttachJob and Kill their exit status.
func jobLookupError(err error) error {
	var lost *vmconn.JobLostError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, vmconn.ErrJobNotFound), errors.Is(err, vmconn.ErrJobFinished):
		return &exitError{code: exitNoJob, err: err}
	case errors.As(err, &lost):
		return &exitError{code: exitRebooted, err: err}
	}
	return jobCmdError(err)
}
