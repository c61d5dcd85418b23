package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn/job"
)

func newJobsCmd(g *globalFlags) *cobra.Command {
	var dir string
	var prune time.Duration
	cmd := &cobra.Command{
		Use:   "jobs [flags] [user@]host[:port]",
		Short: "List the jobs on the host, with their state; prune old ones",
		Long: `List the jobs started by "vmconn long" on the host, oldest first: ID, state
(running, exited with its status, or lost), start time, bytes of output, and
command. With --json, an array of objects. With --prune AGE, first remove the
directories of jobs that ended (or were lost) at least AGE ago, and print
"pruned: ID" for each; running jobs are never removed. A --dir that another
user owns or can write is refused (exit 2).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var prunePtr *time.Duration
			if cmd.Flags().Changed("prune") {
				prunePtr = &prune
			}
			return runJobs(cmd, g, args[0], &job.Options{Dir: dir}, prunePtr)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory on the host that holds the job directories (default ~/.cache/vmconn/jobs); refused unless yours and writable by no one else")
	cmd.Flags().DurationVar(&prune, "prune", 0, "first remove the jobs that ended at least this long ago")
	return cmd
}

// runJobs prunes (when prune is not nil) and lists the jobs.
func runJobs(cmd *cobra.Command, g *globalFlags, host string, opts *job.Options, prune *time.Duration) error {
	ctx := cmd.Context()
	c, err := g.dial(ctx, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if prune != nil {
		ids, err := job.Prune(ctx, c, *prune, opts)
		if err != nil {
			return jobCmdError(err)
		}
		for _, id := range ids {
			fmt.Fprintf(cmd.ErrOrStderr(), "pruned: %s\n", id)
		}
	}
	jobs, err := job.List(ctx, c, opts)
	if err != nil {
		return jobCmdError(err)
	}
	if g.json {
		return printJobsJSON(cmd.OutOrStdout(), jobs)
	}
	return printJobs(cmd.OutOrStdout(), jobs)
}

// jobState renders a job's state: "running", "exited 3", "lost (rebooted)".
func jobState(st job.Status) string {
	switch st.State {
	case job.Exited:
		s := fmt.Sprintf("exited %d", st.ExitCode)
		if st.TimedOut {
			s += " (timeout)"
		}
		return s
	case job.Lost:
		return "lost (" + st.LostReason + ")"
	}
	return st.State.String()
}

func printJobs(w io.Writer, jobs []job.Status) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSTARTED\tSTDOUT\tSTDERR\tCOMMAND")
	for _, st := range jobs {
		command, _, more := strings.Cut(st.Command, "\n")
		if more || len(command) > 60 {
			command = truncateRunes(command, 60) + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%q\n", st.ID, jobState(st),
			st.Started.Local().Format(time.DateTime), st.StdoutSize, st.StderrSize, command)
	}
	return tw.Flush()
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// jobJSON is one job in "jobs --json".
type jobJSON struct {
	ID          string `json:"id"`
	Dir         string `json:"dir"`
	State       string `json:"state"`
	ExitCode    *int   `json:"exit_code"`
	TimedOut    bool   `json:"timed_out,omitempty"`
	LostReason  string `json:"lost_reason,omitempty"`
	Pid         int    `json:"pid"`
	BootID      string `json:"boot_id"`
	Started     string `json:"started"`
	Ended       string `json:"ended,omitempty"`
	StdoutBytes int64  `json:"stdout_bytes"`
	StderrBytes int64  `json:"stderr_bytes"`
	Command     string `json:"command"`
	Mechanism   string `json:"mechanism"` // how "still running" is told: "flock" or "pid"
}

func printJobsJSON(w io.Writer, jobs []job.Status) error {
	out := make([]jobJSON, 0, len(jobs))
	for _, st := range jobs {
		j := jobJSON{ID: st.ID, Dir: st.Dir, State: st.State.String(), TimedOut: st.TimedOut, LostReason: st.LostReason,
			Pid: st.Pid, BootID: st.BootID, Started: st.Started.UTC().Format(time.RFC3339),
			StdoutBytes: st.StdoutSize, StderrBytes: st.StderrSize, Command: st.Command, Mechanism: string(st.Mechanism)}
		if st.State == job.Exited {
			code := st.ExitCode
			j.ExitCode, j.Ended = &code, st.Ended.UTC().Format(time.RFC3339)
		}
		out = append(out, j)
	}
	return json.NewEncoder(w).Encode(out)
}
