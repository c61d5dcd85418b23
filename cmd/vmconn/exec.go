package main

import (
	"errors"
	"fmt"
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

With -H or --hosts-file the command runs on every host (--parallel at once):
each host is reached as it would be alone (its ssh_config entry, -J), each
output line is prefixed with "host: ", a host that fails says so on stderr as
soon as it ends ("host: command exited with status 1"), a summary line
"N ok, M failed, K unreachable" ends on stderr, and the exit status is 0 only
if every host succeeded (1 otherwise). With --json, each host's end object
is printed as soon as that host ends.

` + jsonHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return cobra.MinimumNArgs(1)(cmd, args)
			}
			if len(args) == 1 {
				return errNoCommand
			}
			return cobra.MinimumNArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				if g.bootID != "" {
					return errBootIDMany
				}
				return runMany(cmd, g, &hf, strings.Join(args, " "))
			}
			r := execRequest{host: args[0], command: strings.Join(args[1:], " "), pty: pty}
			if !noStdin && !g.json {
				r.stdin = cmd.InOrStdin()
			}
			return r.run(cmd, g)
		},
	}
	cmd.Flags().BoolVarP(&noStdin, "no-stdin", "n", false, "read stdin from /dev/null")
	cmd.Flags().BoolVarP(&pty, "tty", "t", false, "run the command on a pseudo-terminal")
	g.ssh.registerSudo(cmd.Flags())
	g.registerBootID(cmd)
	hf.register(cmd)
	return cmd
}

// errNoCommand answers "exec host" without a command.
var errNoCommand = errors.New("no command: give a command, as in: vmconn exec [flags] host -- command (for an interactive shell: vmconn shell host)")

type execRequest struct {
	host, command string
	stdin         io.Reader
	pty           bool
}

func (r execRequest) run(cmd *cobra.Command, g *globalFlags) error {
	ctx := cmd.Context()
	start := time.Now()
	var jl *jsonLines
	if g.json {
		jl = newJSONLines(cmd.OutOrStdout())
	}
	res, sh, err := g.resolve(r.host)
	if err == nil {
		if done, err := r.runShared(ctx, cmd, g, res, sh); done {
			return err
		}
	}
	var c *vmconn.Client
	if err == nil {
		c, err = g.dialResolved(ctx, res, sh, r.host)
	}
	if err != nil {
		if jl != nil {
			return jsonExit(jl.print(endOf(r.host, err, start, nil, nil)), err)
		}
		return err
	}
	defer c.Close()
	rc, err := g.ssh.command(ctx, c, r.command)
	if err != nil {
		return err
	}
	rc.Stdin = r.stdin
	if r.pty {
		rc.PTY = &vmconn.PTY{Term: os.Getenv("TERM")}
	}
	rc.Stdout, rc.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	if jl == nil {
		return commandExit(rc.Run())
	}
	out, errOut := jl.streams(r.host, 0, 0)
	rc.Stdout, rc.Stderr = out, errOut
	err = rc.Run()
	return jsonExit(jl.print(endOf(r.host, err, start, out, errOut)), err)
}

// jsonExit gives the CLI's exit status for err once its end object was
// printed (which says what happened: nothing more goes to stderr);
// printErr is the error printing it, if any.
func jsonExit(printErr, err error) error {
	if printErr != nil {
		return &exitError{code: exitConnError, err: fmt.Errorf("vmconn: writing JSON: %w", printErr)}
	}
	if err == nil {
		return nil
	}
	return &exitError{code: exitCodeOf(err)}
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
