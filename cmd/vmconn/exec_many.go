package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
)

// hostsFlags select several hosts for one command.
type hostsFlags struct {
	hosts     []string
	hostsFile string
	parallel  int
}

func (h *hostsFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVarP(&h.hosts, "hosts", "H", nil, "hosts to work on (comma-separated or repeated)")
	cmd.Flags().StringVar(&h.hostsFile, "hosts-file", "", "hosts listed in FILE, one per line (# comments)")
	cmd.Flags().IntVar(&h.parallel, "parallel", fanout.DefaultParallel, "hosts worked on at once")
}

func (h *hostsFlags) many() bool { return len(h.hosts) > 0 || h.hostsFile != "" }

// list returns the selected hosts, validated.
func (h *hostsFlags) list() ([]string, error) {
	hosts, err := h.entries()
	if err != nil {
		return nil, err
	}
	for _, host := range hosts {
		if _, err := vmconn.ParseTarget(host); err != nil {
			return nil, err
		}
	}
	return hosts, nil
}

// entries returns the entries of -H and --hosts-file as written (at least
// one), once --parallel is checked.
func (h *hostsFlags) entries() ([]string, error) {
	hosts := append([]string(nil), h.hosts...)
	if h.hostsFile != "" {
		more, err := readHostsFile(h.hostsFile)
		if err != nil {
			return nil, err
		}
		hosts = append(hosts, more...)
	}
	if len(hosts) == 0 {
		return nil, errors.New("no hosts given")
	}
	if h.parallel < 1 {
		return nil, fmt.Errorf("--parallel must be at least 1, not %d", h.parallel)
	}
	return hosts, nil
}

func readHostsFile(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--hosts-file: %w", err)
	}
	defer f.Close()
	var hosts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			hosts = append(hosts, line)
		}
	}
	return hosts, sc.Err()
}

// runMany runs the command on every host, printing output with a "host: "
// prefix (or JSON lines), each host's outcome as soon as it ends, and a
// summary line on stderr.
func runMany(cmd *cobra.Command, g *globalFlags, h *hostsFlags, command string) error {
	hosts, err := h.list()
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	if err := g.checkFleet(); err != nil {
		return err
	}
	sudo, err := g.ssh.sudoOption()
	if err != nil {
		return err
	}
	stderr := &lockedWriter{w: cmd.ErrOrStderr()}
	opts := &fanout.Options{Dial: g.fleetDial(stderr, false), Parallel: h.parallel, Sudo: sudo}
	var js *jsonHosts
	if g.json {
		js = newJSONHosts(cmd.OutOrStdout())
		opts.Output = js.output
	} else {
		opts.Stdout, opts.Stderr = cmd.OutOrStdout(), stderr
	}
	var tally fleetTally
	opts.OnResult = func(r fanout.Result) {
		tally.add(classOf(r.Err))
		if js != nil {
			js.end(r)
		} else {
			printHostEnd(stderr, r)
		}
	}
	fanout.Run(cmd.Context(), hosts, command, opts)
	return tally.finish(stderr)
}

// sudoOption returns the vmconn.Sudo that --sudo and --sudo-password-env
// ask for, or nil.
func (s *sshFlags) sudoOption() (*vmconn.Sudo, error) {
	if !s.sudo && s.sudoPwEnv == "" {
		return nil, nil
	}
	sudo := &vmconn.Sudo{}
	if s.sudoPwEnv != "" {
		pw, ok := os.LookupEnv(s.sudoPwEnv)
		if !ok {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("vmconn: --sudo-password-env: environment variable %s is not set", s.sudoPwEnv)}
		}
		sudo.Password = pw
	}
	return sudo, nil
}

// checkFleet checks the connection flags and the ssh_config file once,
// before any host is dialled: a mistake there is bad usage, not the
// failure of every host.
func (g *globalFlags) checkFleet() error {
	if _, err := g.config(); err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	if _, err := g.ssh.loadConfig(g.controlOption()...); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	return nil
}

// fleetDial returns a fanout Dial hook that connects to each host as the
// single-host subcommands do (dialWith: ssh_config, -J, and the rest of
// the flags, for each host on its own). With events, each connection's
// state changes (lost, reconnected) go to w, prefixed with the host.
func (g *globalFlags) fleetDial(w io.Writer, events bool) func(context.Context, string) (*vmconn.Client, error) {
	return func(ctx context.Context, host string) (*vmconn.Client, error) {
		var o connOptions
		if events {
			o.onEvent = func(e vmconn.Event) {
				if line, ok := eventLine(e); ok {
					fmt.Fprintf(w, "%s: %s\n", host, line)
				}
			}
		}
		c, err := g.dialWith(ctx, host, o)
		if err != nil {
			return nil, unwrapExit(err) // fanout classifies the error itself
		}
		return c, nil
	}
}

// printHostEnd prints, as a host ends, what went wrong there, if
// anything (its output said the rest). A dial error already carries the
// hint about unknown host keys (sshFlags.dial adds it).
func printHostEnd(w io.Writer, r fanout.Result) {
	switch {
	case r.Class == fanout.OK:
	case r.Class == fanout.Failed:
		fmt.Fprintf(w, "%s: %v\n", r.Host, bareMsg(r.Err))
	default:
		fmt.Fprintf(w, "%s: %v\n", r.Host, r.Err)
	}
}

// fleetTally counts the hosts' outcomes by class (classOf's names).
type fleetTally struct {
	counts map[string]int
	total  int
}

func (t *fleetTally) add(class string) {
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	t.counts[class]++
	t.total++
}

// finish prints the summary line, "N ok, M failed, K unreachable" and the
// rarer classes, and returns the exit status: 0 only when every host
// succeeded.
func (t *fleetTally) finish(w io.Writer) error {
	c := t.counts
	fmt.Fprintf(w, "%d ok, %d failed, %d unreachable", c[fanout.OK.String()], c[fanout.Failed.String()], c[fanout.Unreachable.String()])
	for _, class := range []string{classLost, classDetached} {
		if c[class] > 0 {
			fmt.Fprintf(w, ", %d %s", c[class], class)
		}
	}
	if n := c[fanout.Auth.String()] + c[fanout.Error.String()] + c[classRebooted]; n > 0 {
		fmt.Fprintf(w, ", %d refused or in error", n)
	}
	fmt.Fprintln(w)
	if c[fanout.OK.String()] != t.total {
		return &exitError{code: exitFailed}
	}
	return nil
}

// lockedWriter serialises writes to w, which many hosts share.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// jsonHosts prints a fan-out's output and results as JSON lines. It
// keeps each run's streams by its index in the hosts given: a host given
// twice is two runs, each with its own streams.
type jsonHosts struct {
	jl      *jsonLines
	mu      sync.Mutex
	streams map[int][2]*jsonStream
	from    map[int][2]int64 // where a run's output starts (attach -H), if not 0
}

func newJSONHosts(w io.Writer) *jsonHosts {
	return &jsonHosts{jl: newJSONLines(w), streams: map[int][2]*jsonStream{}}
}

// output is a fanout.Options.Output function.
func (j *jsonHosts) output(i int, host string) (io.Writer, io.Writer) {
	j.mu.Lock()
	from := j.from[i]
	j.mu.Unlock()
	out, errOut := j.jl.streams(host, from[0], from[1])
	j.mu.Lock()
	j.streams[i] = [2]*jsonStream{out, errOut}
	j.mu.Unlock()
	return out, errOut
}

// end prints a host's end object.
func (j *jsonHosts) end(r fanout.Result) {
	_ = j.jl.print(j.endObj(r, r.Class.String()))
}

// endJob prints the end object of a host's job, of the given class.
func (j *jsonHosts) endJob(r fanout.Result, class string) {
	e := j.endObj(r, class)
	if r.Job != nil {
		e.JobID = r.Job.ID
		e.StdoutBytes, e.StderrBytes = r.Job.Offsets()
	}
	_ = j.jl.print(e)
}

// endObj builds a host's end object, flushing its output.
func (j *jsonHosts) endObj(r fanout.Result, class string) endObj {
	j.mu.Lock()
	s := j.streams[r.Index]
	j.mu.Unlock()
	e := endOf(r.Host, r.Err, time.Now(), s[0], s[1])
	e.Class, e.ExitStatus, e.DurationMS = class, r.ExitStatus, r.Duration.Milliseconds()
	return e
}
