package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/sshconfig"
)

// globalFlags are the connection flags every subcommand shares.
type globalFlags struct {
	port           int
	user           string
	identities     []string
	passwordEnv    string
	knownHosts     string
	acceptNew      bool
	insecure       bool
	connectTimeout time.Duration
	json           bool
	verbose        int          // -v, -vv (verbose.go)
	bootID         bootIDValue  // --boot-id (bootid_flag.go): exec, guard, long, cp
	ssh            sshFlags     // -F, -J (sshconfig_flags.go)
	control        controlFlags // --control-persist, --control-path (control_flags.go)
	flags          *pflag.FlagSet
	stderr         func() io.Writer // the root command's ErrOrStderr

	conn connOptions // a subcommand's additions, only on its own copy (dialWith)
}

// connOptions are what a subcommand adds to the Config the flags
// describe. They go to dialWith, never into the shared globalFlags.
type connOptions struct {
	rebootCommand string             // reboot --command
	onEvent       func(vmconn.Event) // shows the connection's state changes
	direct        bool               // never through a shared connection's master
	warm          time.Duration      // a master's Config.WarmSession
}

func (g *globalFlags) register(root *cobra.Command) {
	f := root.PersistentFlags()
	g.flags, g.stderr = f, root.ErrOrStderr
	g.ssh.register(f)
	g.registerVerbose(f)
	g.control.register(f)
	f.IntVarP(&g.port, "port", "p", 0, "port to connect to (default 22, or the port in the host)")
	f.StringVarP(&g.user, "user", "l", "", "user to log in as (default: the user in the host, else the local user)")
	f.StringArrayVarP(&g.identities, "identity", "i", nil, "private key file (repeatable; default ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")
	f.StringVar(&g.passwordEnv, "password-env", "", "name of an environment variable holding the password")
	f.StringVar(&g.knownHosts, "known-hosts", "", "known_hosts file (default ~/.ssh/known_hosts)")
	f.BoolVar(&g.acceptNew, "accept-new", false, "trust and record the host key of a host seen for the first time")
	f.BoolVar(&g.insecure, "insecure-ignore-host-key", false, "accept any host key (INSECURE: only for throw-away test machines)")
	f.DurationVar(&g.connectTimeout, "connect-timeout", vmconn.DefaultConnectTimeout, "bound on TCP connect plus SSH handshake")
	f.BoolVar(&g.json, "json", false, "print JSON (JSON lines where output streams: see each subcommand's help)")
}

// config builds the vmconn.Config the flags describe.
func (g *globalFlags) config() (*vmconn.Config, error) {
	if g.acceptNew && g.insecure {
		return nil, errors.New("--accept-new and --insecure-ignore-host-key exclude each other")
	}
	if g.connectTimeout <= 0 {
		return nil, fmt.Errorf("--connect-timeout must be positive, not %v", g.connectTimeout)
	}
	if g.port < 0 || g.port > 65535 {
		return nil, fmt.Errorf("--port %d out of range 1-65535", g.port)
	}
	cfg := &vmconn.Config{
		User:           g.user,
		Port:           g.port,
		IdentityFiles:  g.identities,
		ConnectTimeout: g.connectTimeout,
		Logger:         g.logger(),
	}
	cfg.RebootCommand, cfg.OnEvent, cfg.WarmSession = g.conn.rebootCommand, g.conn.onEvent, g.conn.warm
	if g.knownHosts != "" {
		cfg.KnownHostsFiles = []string{g.knownHosts}
	}
	switch {
	case g.acceptNew:
		cfg.HostKeyMode = vmconn.HostKeyAcceptNew
	case g.insecure:
		cfg.HostKeyMode = vmconn.HostKeyInsecureIgnore
	}
	if g.passwordEnv != "" {
		pw, ok := os.LookupEnv(g.passwordEnv)
		if !ok {
			return nil, fmt.Errorf("--password-env: environment variable %s is not set", g.passwordEnv)
		}
		cfg.Password = pw
	}
	return cfg, nil
}

// dial connects to host with the flags' settings. Its errors are
// exitErrors with status 255 (or 2 for bad flags).
func (g *globalFlags) dial(ctx context.Context, host string) (*vmconn.Client, error) {
	return g.dialWith(ctx, host, connOptions{})
}

// dialWith dials as dial does, with a subcommand's additions, and
// checks --boot-id if given (bootid_flag.go). They go on
// a copy of the flags: g, which every subcommand shares, stays as parsed.
func (g *globalFlags) dialWith(ctx context.Context, host string, o connOptions) (*vmconn.Client, error) {
	call := *g
	call.conn = o
	c, err := call.ssh.dial(ctx, &call, g.flags.Changed("connect-timeout"), host, g.stderr())
	if err != nil {
		return nil, err
	}
	return g.checkBootIDOrClose(ctx, c)
}

// resolve resolves host for a call as dial would (see resolveCall).
func (g *globalFlags) resolve(host string) (*sshconfig.Resolved, *sharing, error) {
	return g.ssh.resolveCall(g, g.flags.Changed("connect-timeout"), host, g.stderr())
}

// dialResolved dials as dial does, once resolve has resolved host.
func (g *globalFlags) dialResolved(ctx context.Context, r *sshconfig.Resolved, sh *sharing, host string) (*vmconn.Client, error) {
	c, err := g.ssh.dialResolved(ctx, g, r, sh, host)
	if err != nil {
		return nil, err
	}
	return g.checkBootIDOrClose(ctx, c)
}

// checkBootIDOrClose checks --boot-id on c, closing c if it fails.
func (g *globalFlags) checkBootIDOrClose(ctx context.Context, c *vmconn.Client) (*vmconn.Client, error) {
	if err := g.checkBootID(ctx, c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// dialWithEvents dials and reports the connection's state changes after
// the first (lost, reconnecting, reconnected, rebooted) on w.
func (g *globalFlags) dialWithEvents(ctx context.Context, host string, w io.Writer) (*vmconn.Client, error) {
	return g.dialWith(ctx, host, connOptions{onEvent: printEvents(w)})
}

// printEvents returns an OnEvent that prints the events eventLine shows.
func printEvents(w io.Writer) func(vmconn.Event) {
	return func(e vmconn.Event) {
		if line, ok := eventLine(e); ok {
			fmt.Fprintln(w, line)
		}
	}
}

// eventLine renders a connection event for the user; ok is false for the
// events not shown (connected and rebooted, which subcommands report
// themselves, and most reconnection attempts: the 1st and every 5th).
func eventLine(e vmconn.Event) (line string, ok bool) {
	msg := "vmconn: " + e.Type.String()
	switch e.Type {
	case vmconn.EventConnected, vmconn.EventRebooted:
		return "", false
	case vmconn.EventReconnecting:
		if e.Attempt > 1 && e.Attempt%5 != 0 {
			return "", false
		}
		msg += fmt.Sprintf(" (attempt %d)", e.Attempt)
	case vmconn.EventReconnected:
		msg += fmt.Sprintf(" (after %d attempt%s)", e.Attempt, plural(e.Attempt))
	}
	if e.Err != nil {
		msg += ": " + bareMsg(e.Err)
	}
	return msg, true
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// withHostKeyHint adds to an unknown host key error how to proceed.
func withHostKeyHint(err error) error {
	var he *vmconn.HostKeyError
	if !errors.Is(err, vmconn.ErrHostKeyUnknown) || (errors.As(err, &he) && he.Reason != "") { // a refused certificate
		return err
	}
	return fmt.Errorf("%w\n  If the fingerprint is the host's, run again with --accept-new to record it in known_hosts,\n  or name a known_hosts file that has it with --known-hosts", err)
}
