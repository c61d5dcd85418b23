package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
	"github.com/vmconn/vmconn/job"
)

// runMany follows again the jobs that -H and --hosts-file name, one
// "host=ID[:OUT:ERR]" each, all at once (see fanout.AttachJobs).
func (f *attachFlags) runMany(cmd *cobra.Command, g *globalFlags, h *hostsFlags) error {
	if f.from != 0 || f.stderrFrom != 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("vmconn: with -H, give each host's offsets in its entry (host=ID:OUT:ERR), not --from or --stderr-from")}
	}
	refs, err := h.jobRefs()
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("", err)}
	}
	if err := g.checkFleet(); err != nil {
		return err
	}
	fl := newFleetJobs(cmd, g, f.dir, false)
	if fl.js != nil {
		fl.js.from = map[int][2]int64{}
		for i, r := range refs {
			fl.js.from[i] = [2]int64{r.Stdout, r.Stderr}
		}
	}
	opts := fl.options(g, h, &job.Options{Dir: f.dir})
	opts.KillOnCancel = f.follow.killOnInterrupt
	fanout.AttachJobs(cmd.Context(), refs, opts)
	return fl.finish()
}

// jobRefs parses the entries of -H and --hosts-file as jobs to attach to.
func (h *hostsFlags) jobRefs() ([]fanout.JobRef, error) {
	entries, err := h.entries()
	if err != nil {
		return nil, err
	}
	refs := make([]fanout.JobRef, len(entries))
	for i, e := range entries {
		if refs[i], err = parseJobRef(e); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// parseJobRef parses "host=ID" or "host=ID:OUT:ERR", OUT and ERR the byte
// offsets in the job's stdout and stderr to resume at, as "long -H"
// prints them.
func parseJobRef(s string) (fanout.JobRef, error) {
	host, id, ok := strings.Cut(s, "=")
	if !ok || host == "" || id == "" {
		return fanout.JobRef{}, fmt.Errorf("%q: want host=ID or host=ID:OUT:ERR (as long -H prints them)", s)
	}
	if _, err := vmconn.ParseTarget(host); err != nil {
		return fanout.JobRef{}, err
	}
	ref := fanout.JobRef{Host: host, ID: id}
	parts := strings.Split(id, ":")
	if len(parts) < 3 {
		return ref, nil
	}
	out, err1 := strconv.ParseInt(parts[len(parts)-2], 10, 64)
	errOut, err2 := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err1 != nil || err2 != nil || out < 0 || errOut < 0 {
		return fanout.JobRef{}, fmt.Errorf("%q: the offsets in host=ID:OUT:ERR must be byte counts", s)
	}
	ref.ID, ref.Stdout, ref.Stderr = strings.Join(parts[:len(parts)-2], ":"), out, errOut
	return ref, nil
}
