package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
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
	cmd.Flags().IntVar(&h.parallel, "parallel", vmconn.DefaultParallel, "hosts worked on at once")
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
	f := &vmconn.FanOut{Config: cfg, Parallel: h.parallel}
	if !g.json {
		f.Stdout, f.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	}
	results := f.RunAll(cmd.Context(), hosts, command)
	counts := map[string]int{}
	enc := json.NewEncoder(cmd.OutOrStdout())
	for _, r := range results {
		counts[r.Class]++
		if g.json {
			_ = enc.Encode(hostJSON(r))
		} else if r.Err != nil && r.Class != vmconn.ClassFailed {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", r.Host, r.Err)
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%d ok, %d failed, %d unreachable", counts[vmconn.ClassOK], counts[vmconn.ClassFailed], counts[vmconn.ClassUnreachable])
	if n := counts[vmconn.ClassAuth] + counts[vmconn.ClassError]; n > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), ", %d refused or in error", n)
	}
	fmt.Fprintln(cmd.ErrOrStderr())
	if counts[vmconn.ClassOK] != len(results) {
		return &exitError{code: 1}
	}
	return nil
}

type hostResultJSON struct {
	Host       string `json:"host"`
	Class      string `json:"class"`
	ExitStatus int    `json:"exit_status"`
	Stdout     string `json:"stdout"`
	Stderr     string `json:"stderr"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

func hostJSON(r vmconn.HostResult) hostResultJSON {
	j := hostResultJSON{Host: r.Host, Class: r.Class, ExitStatus: r.ExitStatus, Stdout: string(r.Stdout),
		Stderr: string(r.Stderr), DurationMS: r.Duration.Round(time.Millisecond).Milliseconds()}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	return j
}
