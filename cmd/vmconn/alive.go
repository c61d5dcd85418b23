package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
)

// aliveFlags are the flags of "vmconn alive".
type aliveFlags struct {
	ports   string
	timeout time.Duration
	layers  bool
	noSSH   bool
	noICMP  bool
}

func newAliveCmd(g *globalFlags) *cobra.Command {
	var f aliveFlags
	var hf hostsFlags
	cmd := &cobra.Command{
		Use:   "alive [flags] [user@]host[:port]...",
		Short: "Tell whether a machine is alive, and at which layer it answers (ssh, tcp, icmp)",
		Long: `Ask the network, layer by layer, whether the machine is alive:

  ssh   the SSH service answers: logged in and ran "true" (operational), or it
        answered but the login or host key check failed (still alive)
  tcp   a port accepted or refused the connection (refused proves the
        network stack runs); ports from --ports, default the SSH port, 443, 80
  icmp  an echo reply (raw socket as root, else an unprivileged ICMP socket;
        "not-permitted" when neither is allowed). Firewalls often drop ICMP.

The layers are probed at once under one --timeout; an SSH answer ends the
check at once. Prints one line: "alive: ssh", "alive: tcp (443 refused)",
"alive: icmp" or "down"; with --layers (or -v), a table of every probe; with --json, an
object {"alive", "layer", "operational", "addr", "layers": [...]}.

A host may be an ssh_config alias: its HostName, Port, User, keys and
ProxyJump (or -J) apply, and the SSH login goes through the jump hosts (the
TCP and ICMP layers probe the resolved address from here).

Several hosts (as arguments, -H or --hosts-file) are checked at once
(--parallel): one line "host: verdict" each (or one JSON object each), printed
as each verdict comes in, then "N alive, M down" on stderr.

Exit status: 0 alive (every host), 1 down (or the name did not resolve),
2 bad usage.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if hf.many() {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && !hf.many() {
				return f.run(cmd, g, args[0])
			}
			hf.hosts = append(hf.hosts, args...)
			hosts, err := hf.list()
			if err != nil {
				return &exitError{code: exitUsage, err: vmErr("", err)}
			}
			return f.runMany(cmd, g, &hf, hosts)
		},
	}
	hf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.ports, "ports", "", "comma-separated TCP ports to probe (default: the SSH port, 443, 80)")
	fl.DurationVar(&f.timeout, "timeout", alive.DefaultTimeout, "bound on the whole check, all layers together")
	fl.BoolVar(&f.layers, "layers", false, "print a table of every layer's outcome (also with -v)")
	fl.BoolVar(&f.noSSH, "no-ssh", false, "do not try to log in (probe TCP and ICMP only)")
	fl.BoolVar(&f.noICMP, "no-icmp", false, "do not ping")
	return cmd
}

// options turns the flags into alive.Options; errors are usage errors.
func (f *aliveFlags) options(g *globalFlags) (*alive.Options, error) {
	if f.timeout <= 0 {
		return nil, fmt.Errorf("--timeout must be positive, not %v", f.timeout)
	}
	ports, err := parseAlivePorts(f.ports)
	if err != nil {
		return nil, err
	}
	cfg, err := g.config()
	if err != nil {
		return nil, err
	}
	return &alive.Options{Config: cfg, Ports: ports, Timeout: f.timeout, NoSSH: f.noSSH, NoICMP: f.noICMP}, nil
}

// parseAlivePorts parses "22,443,80"; "" means the defaults.
func parseAlivePorts(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var ports []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("--ports: %q is not a port in 1-65535", p)
		}
		ports = append(ports, n)
	}
	return ports, nil
}

func (f *aliveFlags) run(cmd *cobra.Command, g *globalFlags, host string) error {
	o, err := f.options(g)
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	res, err := g.aliveCheck(cmd.Context(), host, o, cmd)
	if errors.Is(err, vmconn.ErrConfig) {
		return &exitError{code: exitUsage, err: err}
	}
	w := cmd.OutOrStdout()
	if g.json {
		if jerr := json.NewEncoder(w).Encode(aliveJSON(host, res, err)); jerr != nil {
			return jerr
		}
	} else if res != nil {
		fmt.Fprintln(w, res)
		if f.layers || g.verbose > 0 {
			printAliveTable(w, res)
		}
	}
	switch {
	case err != nil && g.json:
		return &exitError{code: exitDown}
	case err != nil:
		return &exitError{code: exitDown, err: err}
	case !res.Alive:
		return &exitError{code: exitDown}
	}
	return nil
}

// printAliveTable prints every probe's outcome.
func printAliveTable(w io.Writer, res *alive.Result) {
	fmt.Fprintf(w, "address %s, verdict in %v\n", res.Addr, res.Elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tTARGET\tOUTCOME\tLATENCY\tDETAIL")
	for _, l := range res.Layers {
		latency := "-"
		if l.Outcome != alive.Skipped {
			latency = aliveFmtMillis(l.Latency) + "ms"
		}
		fmt.Fprintf(tw, "%v\t%s\t%v\t%s\t%s\n", l.Layer, l.Target, l.Outcome, latency, l.Detail)
	}
	tw.Flush()
}

// aliveResultJSON is what --json prints.
type aliveResultJSON struct {
	Host        string           `json:"host"`
	Addr        string           `json:"addr,omitempty"`
	Alive       bool             `json:"alive"`
	Layer       alive.Layer      `json:"layer"`
	Operational bool             `json:"operational"`
	Summary     string           `json:"summary"`
	ElapsedMS   float64          `json:"elapsed_ms"`
	Layers      []aliveLayerJSON `json:"layers"`
	Error       string           `json:"error,omitempty"`
}

type aliveLayerJSON struct {
	Layer     alive.Layer   `json:"layer"`
	Target    string        `json:"target"`
	Outcome   alive.Outcome `json:"outcome"`
	LatencyMS float64       `json:"latency_ms"`
	Detail    string        `json:"detail,omitempty"`
	Error     string        `json:"error,omitempty"`
}

func aliveJSON(host string, res *alive.Result, err error) aliveResultJSON {
	out := aliveResultJSON{Host: host, Summary: "down", Layers: []aliveLayerJSON{}}
	if err != nil {
		out.Error = err.Error()
	}
	if res == nil {
		return out
	}
	out.Addr, out.Alive, out.Layer, out.Operational = res.Addr, res.Alive, res.Layer, res.Operational
	out.Summary, out.ElapsedMS = res.String(), aliveMillis(res.Elapsed)
	for _, l := range res.Layers {
		lj := aliveLayerJSON{Layer: l.Layer, Target: l.Target, Outcome: l.Outcome, LatencyMS: aliveMillis(l.Latency), Detail: l.Detail}
		if l.Err != nil {
			lj.Error = l.Err.Error()
		}
		out.Layers = append(out.Layers, lj)
	}
	return out
}

// aliveMillis converts d to milliseconds with a tenth of a millisecond's
// precision.
func aliveMillis(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Millisecond)
}

func aliveFmtMillis(d time.Duration) string {
	return strconv.FormatFloat(aliveMillis(d), 'f', 1, 64)
}
