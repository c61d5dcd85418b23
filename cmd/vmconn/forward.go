package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/forward"
	"github.com/vmconn/vmconn/sshconfig"
)

// forwardFlags are vmconn forward's -L, -R and -D.
type forwardFlags struct {
	local, remote, dynamic []string
}

func newForwardCmd(g *globalFlags) *cobra.Command {
	var ff forwardFlags
	cmd := &cobra.Command{
		Use:   "forward [-L [bind:]port:host:hostport]... [-R [bind:]port:host:hostport]... [-D [bind:]port]... host",
		Short: "Forward ports over SSH until interrupted, through reconnections",
		Long: `Forward ports as ssh -N -L/-R/-D does, and keep them across lost connections:
vmconn reconnects, local listeners stay open (new connections wait for the new
link up to --connect-timeout) and remote forwards are requested again.
The host's LocalForward, RemoteForward and DynamicForward in ssh_config apply too.
A bind address without a host listens on 127.0.0.1. Prints each forward's
address, then every lost connection and reconnection, until SIGINT or SIGTERM.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runForward(cmd.Context(), g, &ff, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&ff.local, "local", "L", nil, "local forward [bind:]port:host:hostport (repeatable)")
	f.StringArrayVarP(&ff.remote, "remote", "R", nil, "remote forward [bind:]port:host:hostport (repeatable)")
	f.StringArrayVarP(&ff.dynamic, "dynamic", "D", nil, "SOCKS5 proxy on [bind:]port (repeatable)")
	return cmd
}

// runForward starts the forwards the flags and ssh_config ask for, then
// waits for ctx (the signals) to end.
func runForward(ctx context.Context, g *globalFlags, ff *forwardFlags, host string, out, errOut io.Writer) error {
	specs, err := ff.parse()
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	c, fromFile, err := g.dialForward(ctx, host, errOut)
	if err != nil {
		return err
	}
	defer c.Close()
	specs = mergeForwards(specs, fromFile)
	if len(specs.Local)+len(specs.Remote)+len(specs.Dynamic) == 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("vmconn: forward: no -L, -R or -D, and none in ssh_config for %s", host)}
	}
	fws, err := startForwards(ctx, c, specs, errOut)
	for _, f := range fws {
		defer f.Close()
		fmt.Fprintf(out, "forwarding %s\n", f)
	}
	if err != nil {
		return &exitError{code: exitConnError, err: err}
	}
	<-ctx.Done()
	return nil
}

// dialForward dials host as every subcommand does, printing the
// connection's events, and returns the ssh_config forwards for it.
func (g *globalFlags) dialForward(ctx context.Context, host string, errOut io.Writer) (*vmconn.Client, sshconfig.Forwards, error) {
	call := *g
	call.conn = connOptions{onEvent: printEvents(errOut), direct: true} // remote forwards are not shared
	r, err := call.ssh.resolve(&call, g.flags.Changed("connect-timeout"), host)
	if err != nil {
		return nil, sshconfig.Forwards{}, &exitError{code: exitUsage, err: err}
	}
	c, err := call.ssh.dial(ctx, &call, g.flags.Changed("connect-timeout"), host, quietForwards{errOut})
	return c, r.Forwards, err
}

// quietForwards drops the warnings that forward directives are not set
// up: vmconn forward sets them up.
type quietForwards struct{ w io.Writer }

func (q quietForwards) Write(p []byte) (int, error) {
	for _, k := range []string{"LocalForward ", "RemoteForward ", "DynamicForward "} {
		if strings.Contains(string(p), ": "+k) {
			return len(p), nil
		}
	}
	return q.w.Write(p)
}

// startForwards starts every forward, reporting on errOut each failure
// to bring one back after a reconnection; on an error it returns those
// started so far with it.
func startForwards(ctx context.Context, c *vmconn.Client, s sshconfig.Forwards, errOut io.Writer) ([]*forward.Forward, error) {
	opts := &forward.Options{OnEvent: func(e forward.Event) {
		if e.Type == forward.EventFailed {
			fmt.Fprintf(errOut, "vmconn: forward %s: %v\n", e.Forward, e.Err)
		}
	}}
	var fws []*forward.Forward
	start := func(f *forward.Forward, err error) error {
		if err == nil {
			fws = append(fws, f)
		}
		return err
	}
	for _, l := range s.Local {
		if err := start(forward.Local(ctx, c, l.Bind, l.Target, opts)); err != nil {
			return fws, err
		}
	}
	for _, r := range s.Remote {
		if err := start(forward.Remote(ctx, c, r.Bind, r.Target, opts)); err != nil {
			return fws, err
		}
	}
	for _, d := range s.Dynamic {
		if err := start(forward.Dynamic(ctx, c, d.Bind, opts)); err != nil {
			return fws, err
		}
	}
	return fws, nil
}
