package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn/control"
)

// newControlCmd is "vmconn control": the shared connections' masters.
func newControlCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "control",
		Short: "Check or stop the background connection that calls to a host share",
		Long: `With --control-persist DURATION (or ssh_config's ControlMaster auto, ControlPath and
ControlPersist), the first call to a target starts a background master that owns the
connection, and later calls with the same settings (user, host, port, jump hosts,
identities, known_hosts and host-key mode) go through it over a Unix socket: a command
then costs a round trip, not a login. Between calls the master keeps a session open
with the remote shell started and waiting (a "warm session"; one idle /bin/sh on the
machine, closed with the master), so that a command does not wait for a session and a
login shell to start. The master keeps the connection up (keepalive, reconnects),
serves only its own user, and exits after DURATION with no call, or at
"vmconn control stop". Its socket is in vmconn's own directory, or at --control-path;
a ControlPath from ssh_config gets a ".vmconn" suffix, so that OpenSSH's masters and
vmconn's never meet. Give the same connection flags as the calls to find the master.
Not on Windows.`,
	}
	cmd.AddCommand(newControlCheckCmd(g), newControlStopCmd(g), newControlMasterCmd(g))
	return cmd
}

func newControlCheckCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "check [flags] host",
		Short: "Report the master for host: exit 0 if one runs, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sh, err := g.masterOf(args[0])
			if err != nil {
				return err
			}
			info, err := control.Check(cmd.Context(), sh.path, sh.key)
			if err != nil {
				return noMaster(sh.path, err)
			}
			if g.json {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(struct {
					*control.Info
					Path string `json:"path"`
				}{info, sh.path})
			}
			state := "connected"
			if !info.Connected {
				state = "reconnecting"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "master running (pid %d) for %s: %s, %d client(s) now, %d served, up %s, persist %s; socket %s\n",
				info.PID, info.Target, state, info.Clients-1, info.Served-1, time.Since(info.Started).Round(time.Second), info.Persist, sh.path)
			return nil
		},
	}
}

func newControlStopCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "stop [flags] host",
		Short: "Stop the master for host (calls through it see the connection lost)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sh, err := g.masterOf(args[0])
			if err != nil {
				return err
			}
			if err := control.Stop(cmd.Context(), sh.path, sh.key); err != nil {
				return noMaster(sh.path, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "vmconn: master stopped (%s)\n", sh.path)
			return nil
		},
	}
}

// noMaster reports a master that is not there (exit 1) or not ours.
func noMaster(path string, err error) error {
	code := exitFailed
	if errors.Is(err, control.ErrUntrusted) || errors.Is(err, control.ErrPathTooLong) || errors.Is(err, control.ErrUnsupported) {
		code = exitUsage
	}
	if errors.Is(err, control.ErrNoMaster) || errors.Is(err, control.ErrStale) {
		err = errors.New("no master running")
	}
	return &exitError{code: code, err: fmt.Errorf("vmconn: control path %s: %w", path, err)}
}

// masterOf resolves host as a call would, and returns where its master
// listens.
func (g *globalFlags) masterOf(host string) (*sharing, error) {
	r, err := g.ssh.resolve(g, g.flags.Changed("connect-timeout"), host)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	sh, err := g.sharingFor(r, true)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: vmErr("", err)}
	}
	if sh == nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("vmconn: %w", control.ErrUnsupported)}
	}
	return sh, nil
}

// newControlMasterCmd is the master itself, which a call starts in the
// background: it connects, reports on standard output (one JSON line,
// see masterReport), and serves until idle or stopped.
func newControlMasterCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:    "master [flags] host",
		Short:  "Run a master in the foreground (calls start one by themselves)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			report := json.NewEncoder(cmd.OutOrStdout())
			return g.runMaster(cmd, args[0], func(rep masterReport) { _ = report.Encode(rep) })
		},
	}
}

// runMaster connects to host directly, makes the socket, reports, and
// serves.
func (g *globalFlags) runMaster(cmd *cobra.Command, host string, report func(masterReport)) error {
	ctx := cmd.Context()
	direct := *g
	direct.conn = connOptions{direct: true}
	r, err := direct.ssh.resolve(&direct, g.flags.Changed("connect-timeout"), host)
	if err != nil {
		report(reportFor(&exitError{code: exitUsage, err: err}))
		return err
	}
	sh, err := g.sharingFor(r, true)
	if err == nil && sh == nil {
		err = control.ErrUnsupported
	}
	if err != nil {
		report(reportFor(&exitError{code: exitUsage, err: vmErr("", err)}))
		return err
	}
	direct.conn.warm = masterWarm(sh.persist)
	c, err := direct.ssh.dial(ctx, &direct, g.flags.Changed("connect-timeout"), host, discard{})
	if err != nil {
		report(reportFor(err))
		return err
	}
	defer c.Close()
	ln, err := control.Listen(sh.path)
	if err != nil {
		if errors.Is(err, control.ErrInUse) {
			report(masterReport{InUse: true})
		} else {
			report(reportFor(&exitError{code: exitUsage, err: fmt.Errorf("vmconn: control path %s: %w", sh.path, err)}))
		}
		return err
	}
	report(masterReport{Ready: true})
	m := &control.Master{Client: c, Key: sh.key, Persist: sh.persist, Target: c.User() + "@" + c.Addr()}
	return m.Serve(ctx, ln)
}

// masterWarm is how long a master keeps a warm session for the next
// call (vmconn.Config.WarmSession): as long as it persists itself, and
// at most maxMasterWarm.
func masterWarm(persist time.Duration) time.Duration {
	if persist <= 0 || persist > maxMasterWarm {
		return maxMasterWarm
	}
	return persist
}

// maxMasterWarm bounds how long a master keeps an unused warm session.
const maxMasterWarm = 10 * time.Minute

// discard is an io.Writer for a master's warnings: it has no terminal.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
