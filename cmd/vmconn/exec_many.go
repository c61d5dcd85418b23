package main

import (
	"bufio"
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
	for _, host := range hosts {
		if _, err := vmconn.ParseTarget(host); err != nil {
			return nil, err
		}
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
// prefix (or one JSON object per host) and a summary line on stderr.
func runMany(cmd *cobra.Command, g *globalFlags, h *hostsFlags, command string) error {
	hosts, err := h.list()
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	cfg, err := g.config()
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	opts := &fanout.Options{Config: cfg, Parallel: h.parallel}
	var js *jsonHosts
	if g.json {
		js = newJSONHosts(cmd.OutOrStdout())
		opts.Output = js.output
	} else {
		opts.Stdout, opts.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	}
	results := fanout.Run(cmd.Context(), hosts, command, opts)
	counts := map[fanout.Class]int{}
	for _, r := range results {
		counts[r.Class]++
		if js != nil {
			js.end(r)
		} else if r.Err != nil && r.Class != fanout.Failed {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", r.Host, withHostKeyHint(r.Err))
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d ok, %d failed, %d unreachable", counts[fanout.OK], counts[fanout.Failed], counts[fanout.Unreachable])
	if n := counts[fanout.Auth] + counts[fanout.Error]; n > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), ", %d refused or in error", n)
	}
	fmt.Fprintln(cmd.ErrOrStderr())
	if counts[fanout.OK] != len(results) {
		return &exitError{code: exitFailed}
	}
	return nil
}

// jsonHosts prints a fan-out's output and results as JSON lines.
type jsonHosts struct {
	jl      *jsonLines
	mu      sync.Mutex
	streams map[string][2]*jsonStream
}

func newJSONHosts(w io.Writer) *jsonHosts {
	return &jsonHosts{jl: newJSONLines(w), streams: map[string][2]*jsonStream{}}
}

// output is a fanout.Options.Output function.
func (j *jsonHosts) output(host string) (io.Writer, io.Writer) {
	out, errOut := j.jl.streams(host, 0, 0)
	j.mu.Lock()
	j.streams[host] = [2]*jsonStream{out, errOut}
	j.mu.Unlock()
	return out, errOut
}

// end prints a host's end object.
func (j *jsonHosts) end(r fanout.Result) {
	j.mu.Lock()
	s := j.streams[r.Host]
	j.mu.Unlock()
	e := endOf(r.Host, r.Err, time.Now(), s[0], s[1])
	e.Class, e.ExitStatus, e.DurationMS = r.Class.String(), r.ExitStatus, r.Duration.Milliseconds()
	_ = j.jl.print(e)
}
