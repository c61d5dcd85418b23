package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/job"
	"golang.org/x/crypto/ssh"
)

// longFlags are the flags of "vmconn long".
type longFlags struct {
	dir       string
	env       []string
	timeout   time.Duration
	killDelay time.Duration
	scope     bool
	detach    bool
	follow    followFlags
}

// followFlags are shared by "long" and "attach".
type followFlags struct {
	killOnInterrupt bool
}

func newLongCmd(g *globalFlags) *cobra.Command {
	var f longFlags
	var hf hostsFlags
	cmd := &cobra.Command{
		Use:   "long [flags] [user@]host[:port] -- command...\n  vmconn long [flags] -H host1,host2 | --hosts-file FILE -- command...",
		Short: "Run a command detached on the host and stream its output across disconnects",
		Long: `Start the command as a detached job on the host (it survives a lost connection,
an sshd restart and this program's own end), print "job: ID" on stderr, and
stream its stdout and stderr live. When the connection drops, reconnect and
resume at the exact byte: nothing is lost or repeated. The words of the
command are joined with spaces, as ssh does.

Ctrl-C detaches: the job goes on, and the message says how to re-attach
("vmconn attach host ID --from N --stderr-from M"). With --kill-on-interrupt,
Ctrl-C kills the job (SIGTERM, then SIGKILL) and waits for its status instead.

Exit status: the job's own (128+N when signal N killed it); 254 when the job
was lost (the machine rebooted, or its wrapper was killed); 130 when detached;
255 when the connection failed for good; 2 for bad usage, or a --dir that is
refused: it, and the directories above it up to your home or /, must be yours
(or root's, above it) and writable by no one else (sticky ones such as /tmp
excepted), so that no other user can plant or swap a job.

With --detach --json, only the start object is printed.

With -H or --hosts-file, the job starts on every host, each reached as it
would be alone (its ssh_config entry, -J), --parallel connecting and starting
at once, and all are followed together, each on its own connection and
resuming on its own after its own disconnects. "host: job: ID" goes to stderr
as each starts; output lines are prefixed with "host: "; each host's outcome
is printed as it ends ("host: job ID: command exited with status 0"), then a
summary.
Exit status: 0 if every job exited 0, 1 otherwise, 130 when detached (the
message gives the "attach -H host=ID:OUT:ERR,..." that resumes them all).
--detach prints "host=ID" lines, which "attach --hosts-file" reads.
With --json, each host has its start, output and end objects.
` + jsonHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return cobra.MinimumNArgs(1)(cmd, args)
			}
			return cobra.MinimumNArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return f.runMany(cmd, g, &hf, strings.Join(args, " "))
			}
			return f.run(cmd, g, args[0], strings.Join(args[1:], " "))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", "", "directory on the host for job directories (default ~/.cache/vmconn/jobs, created 0700); refused unless yours and writable by no one else")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "NAME=value exported to the command (repeatable)")
	fl.DurationVar(&f.timeout, "timeout", 0, "kill the job when it runs longer than this (0: never)")
	fl.DurationVar(&f.killDelay, "kill-delay", job.DefaultKillDelay, "after --timeout, wait this long between SIGTERM and SIGKILL")
	fl.BoolVar(&f.scope, "systemd-scope", false, "start the job under systemd-run --user --scope (for KillUserProcesses=yes)")
	fl.BoolVarP(&f.detach, "detach", "d", false, "print the job ID on stdout and exit at once, without following")
	fl.BoolVar(&f.follow.killOnInterrupt, "kill-on-interrupt", false, "on Ctrl-C, kill the job instead of detaching")
	g.registerBootID(cmd)
	hf.register(cmd)
	return cmd
}

func (f *longFlags) run(cmd *cobra.Command, g *globalFlags, host, command string) error {
	ctx, start := cmd.Context(), time.Now()
	c, err := g.dialWithEvents(ctx, host, cmd.ErrOrStderr())
	if err != nil {
		return rebootedJSON(cmd, g, host, start, err)
	}
	defer c.Close()
	j, err := job.Start(ctx, c, command, &job.Options{
		Dir: f.dir, Env: f.env, Timeout: f.timeout, KillDelay: f.killDelay, SystemdScope: f.scope})
	if err != nil {
		return jobCmdError(err)
	}
	switch {
	case f.detach && g.json:
		return newJSONLines(cmd.OutOrStdout()).print(startObj{Type: "start", Host: host, JobID: j.ID})
	case f.detach:
		fmt.Fprintln(cmd.OutOrStdout(), j.ID)
		return nil
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "job: %s\n", j.ID)
	return f.follow.run(cmd, host, f.dir, j, g.json)
}

// run follows job to its end and turns the outcome into the CLI's exit
// status; on interrupt it detaches or kills. With asJSON, the output and
// the outcome are JSON lines.
func (f followFlags) run(cmd *cobra.Command, host, dir string, j *job.Job, asJSON bool) error {
	jf := &jobFollow{cmd: cmd, host: host, dir: dir, job: j, out: newJobOutput(cmd, host, j, asJSON)}
	ctx := cmd.Context()
	err := jf.follow(ctx)
	if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		return jf.exit(err)
	}
	if !f.killOnInterrupt {
		fmt.Fprintf(cmd.ErrOrStderr(), "vmconn: detached from job %s, which goes on; re-attach with:\n  %s\n", j.ID, attachHint(host, dir, j))
		return jf.out.detached(&exitError{code: exitDetached})
	}
	return jf.killAndWait()
}

// jobFollow is one "long" or "attach" following a job.
type jobFollow struct {
	cmd       *cobra.Command
	host, dir string
	job       *job.Job
	out       *jobOutput
}

// follow streams the job's output until it ends or ctx does.
func (jf *jobFollow) follow(ctx context.Context) error {
	return jf.job.Follow(ctx, jf.out.stdout, jf.out.stderr)
}

// killAndWait kills an interrupted job and follows it to its end, within
// bounds of its own (the command's context has ended).
func (jf *jobFollow) killAndWait() error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(jf.cmd.Context()), 30*time.Second)
	defer cancel()
	fmt.Fprintf(jf.cmd.ErrOrStderr(), "vmconn: killing job %s\n", jf.job.ID)
	for _, sig := range []ssh.Signal{ssh.SIGTERM, ssh.SIGKILL} {
		if err := jf.job.Kill(ctx, sig); err != nil && !errors.Is(err, job.ErrFinished) {
			return jf.exit(err)
		}
		fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
		err := jf.follow(fctx)
		ended := fctx.Err() == nil || ctx.Err() != nil
		fcancel()
		if ended {
			return jf.exit(err)
		}
	}
	return jf.exit(fmt.Errorf("vmconn: job %s did not end after SIGKILL", jf.job.ID))
}

// exit reports Follow's result (as an end object with --json) and maps it
// onto the CLI's exit status.
func (jf *jobFollow) exit(err error) error {
	var ee *vmconn.ExitError
	var lost *job.LostError
	var exit error
	switch {
	case err == nil:
	case errors.As(err, &lost):
		exit = &exitError{code: exitRebooted, err: err}
	case errors.Is(err, job.ErrTimeout) && errors.As(err, &ee):
		exit = &exitError{code: ee.Status, err: err}
	case errors.As(err, &ee):
		exit = &exitError{code: ee.Status} // the job's own failure: nothing to add
	default:
		fmt.Fprintf(jf.cmd.ErrOrStderr(), "vmconn: job %s may still run; re-attach with:\n  %s\n", jf.job.ID, attachHint(jf.host, jf.dir, jf.job))
		exit = jobCmdError(err)
	}
	return jf.out.end(err, exit)
}

// jobCmdError gives an error from a job call its exit status: a refused
// job directory (job.ErrUntrusted) counts as bad usage, as its --dir
// must change.
func jobCmdError(err error) error {
	if errors.Is(err, vmconn.ErrConfig) || errors.Is(err, job.ErrUntrusted) {
		return &exitError{code: exitUsage, err: err}
	}
	return &exitError{code: exitConnError, err: err}
}

// attachHint is the command that resumes following where job stopped.
func attachHint(host, dir string, j *job.Job) string {
	o, e := j.Offsets()
	s := fmt.Sprintf("vmconn attach [flags] %s %s --from %d --stderr-from %d", host, j.ID, o, e)
	if dir != "" {
		s += " --dir " + vmconn.ShellQuote(dir)
	}
	return s
}
