package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn/job"
)

// attachFlags are the flags of "vmconn attach".
type attachFlags struct {
	dir        string
	from       int64
	stderrFrom int64
	follow     followFlags
}

func newAttachCmd(g *globalFlags) *cobra.Command {
	var f attachFlags
	var hf hostsFlags
	cmd := &cobra.Command{
		Use:   "attach [flags] [user@]host[:port] ID\n  vmconn attach [flags] -H host=ID[:OUT:ERR],... | --hosts-file FILE",
		Short: "Follow a job started by \"vmconn long\" again, from any byte offset",
		Long: `Find the job with the given ID on the host and stream its output from byte
--from of its stdout and --stderr-from of its stderr (both default 0: from the
start), live, across disconnects, until it ends; as "long" does after starting
a job. Ctrl-C detaches again; --kill-on-interrupt kills the job instead.

Exit status: as for "long": the job's own, 254 when lost, 130 when detached,
255 when the connection failed, 2 for bad usage or a refused job directory
(another user's, or writable by others), 1 when there is no such job.

With --json, output objects' offsets continue from --from and --stderr-from.

With -H or --hosts-file, each entry is host=ID, or host=ID:OUT:ERR to resume
at byte OUT of its stdout and ERR of its stderr (what "long -H" prints when
detached; "long -H --detach" prints host=ID lines): all the jobs are followed
at once, as "long -H" does, with the same output and exit status.
` + jsonHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return f.runMany(cmd, g, &hf)
			}
			return f.run(cmd, g, args[0], args[1])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, "dir", "", "directory on the host that holds the job directories (default ~/.cache/vmconn/jobs); refused unless yours and writable by no one else")
	fl.Int64Var(&f.from, "from", 0, "byte offset in the job's stdout to start at")
	fl.Int64Var(&f.stderrFrom, "stderr-from", 0, "byte offset in the job's stderr to start at")
	fl.BoolVar(&f.follow.killOnInterrupt, "kill-on-interrupt", false, "on Ctrl-C, kill the job instead of detaching")
	hf.register(cmd)
	return cmd
}

func (f *attachFlags) run(cmd *cobra.Command, g *globalFlags, host, id string) error {
	if f.from < 0 || f.stderrFrom < 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("vmconn: --from and --stderr-from must not be negative")}
	}
	ctx := cmd.Context()
	c, err := g.dialWithEvents(ctx, host, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer c.Close()
	j, err := job.Attach(ctx, c, id, &job.Options{Dir: f.dir})
	if err != nil {
		return jobLookupError(err)
	}
	j.SetOffsets(f.from, f.stderrFrom)
	return f.follow.run(cmd, host, f.dir, j, g.json)
}
