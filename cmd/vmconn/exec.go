package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
)

func newExecCmd(g *globalFlags) *cobra.Command {
	var noStdin, pty bool
	var hf hostsFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] [user@]host[:port] [--] command...\n  vmconn exec [flags] -H host1,host2 | --hosts-file FILE [--] command...",
		Short: "Run a command and stream its output; exit with its exit status",
		Long: `Run a command on the host with /bin/sh, whatever the login shell (see REMOTE.md),
streaming stdout and stderr as they arrive. The words of the command are joined
with spaces, as ssh does.

Exit status: the command's own; 128+N when a signal N killed it; 255 when the
connection, authentication or host-key check failed or the command ended with
no exit status (connection lost); 2 for bad usage.

With --json, output is collected and printed as one object:
{"host", "stdout", "stderr", "exit_status", "duration_ms", "error"}.

With -H or --hosts-file the command runs on every host (--parallel at once):
each output line is prefixed with "host: ", a summary line "N ok, M failed,
K unreachable" ends on stderr, and the exit status is 0 only if every host
succeeded (1 otherwise). --json then prints one object per host, with a
"class" of ok, failed, unreachable, auth or error.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return cobra.MinimumNArgs(1)(cmd, args)
			}
			return cobra.MinimumNArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return runMany(cmd, g, &hf, strings.Join(args, " "))
			}
			r := execRequest{host: args[0], command: strings.Join(args[1:], " "), pty: pty}
			if !noStdin && !g.json {
				r.stdin = os.Stdin
			}
			return r.run(cmd, g)
		},
	}
	cmd.Flags().BoolVarP(&noStdin, "no-stdin", "n", false, "read stdin from /dev/null")
	cmd.Flags().BoolVarP(&pty, "tty", "t", false, "run the command on a pseudo-terminal")
	g.ssh.registerSudo(cmd.Flags())
	hf.register(cmd)
	return cmd
}

type execRequest struct {
	host, command string
	stdin         io.Reader
	pty           bool
}

// execResult is what --json prints.
type execResult struct {
	Host       string `json:"host"`
	Stdout     string `json:"stdout"`
	Stderr     string `json:"stderr"`
	ExitStatus int    `json:"exit_status"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

func (r execRequest) run(cmd *cobra.Command, g *globalFlags) error {
	ctx := cmd.Context()
	start := time.Now()
	c, err := g.dial(ctx, r.host)
	if err != nil {
		if g.json {
			return printExecJSON(cmd.OutOrStdout(), execResult{Host: r.host, ExitStatus: exitCodeOf(err), Error: err.Error()}, err)
		}
		return err
	}
	defer c.Close()
	rc, run, err := g.ssh.command(ctx, c, r.command)
	if err != nil {
		return err
	}
	rc.Stdin = r.stdin
	if r.pty {
		rc.PTY = &vmconn.PTY{Term: os.Getenv("TERM")}
	}
	var out, errOut bytes.Buffer
	rc.Stdout, rc.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	if g.json {
		rc.Stdout, rc.Stderr = &out, &errOut
	}
	err = run()
	if g.json {
		res := execResult{Host: r.host, Stdout: out.String(), Stderr: errOut.String(),
			ExitStatus: exitCodeOf(err), DurationMS: time.Since(start).Milliseconds()}
		if err != nil {
			res.Error = err.Error()
		}
		return printExecJSON(cmd.OutOrStdout(), res, err)
	}
	return commandExit(err)
}

func printExecJSON(w io.Writer, res execResult, err error) error {
	enc := json.NewEncoder(w)
	if jerr := enc.Encode(res); jerr != nil {
		return jerr
	}
	if err == nil {
		return nil
	}
	return &exitError{code: res.ExitStatus}
}

// commandExit turns a command's error into the CLI's exit status.
func commandExit(err error) error {
	if err == nil {
		return nil
	}
	code := exitCodeOf(err)
	var ee *vmconn.ExitError
	if errors.As(err, &ee) && ee.Signal == "" {
		return &exitError{code: code} // the command's own failure: nothing to add
	}
	return &exitError{code: code, err: err}
}

// exitCodeOf maps an error onto an exit status, like ssh.
func exitCodeOf(err error) int {
	var ee *vmconn.ExitError
	var xe *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	case errors.As(err, &xe):
		return xe.code
	case errors.Is(err, vmconn.ErrConfig):
		return exitUsage
	}
	return exitConnError
}
