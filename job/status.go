package job

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
	"github.com/vmconn/vmconn/internal/textutil"
)

// Status reads the job's state on the machine: running, exited (with its
// exit status) or lost. It reads the boot id first: a job that has not
// ended and started under another boot is lost, even if a process of it
// lingers. A job whose directory is gone fails with ErrNotFound,
// unless the machine rebooted since it started (a wiped directory): it is
// then reported lost.
func (j *Job) Status(ctx context.Context) (*Status, error) {
	boot, err := j.client.BootID(ctx)
	if err != nil {
		return nil, errutil.Errorf("job %s: reading boot id: %w", j.ID, err)
	}
	sts, _, err := statuses(ctx, j.client, "", []string{j.Dir}, boot)
	if err != nil {
		return nil, errutil.Errorf("job %s: %w", j.ID, err)
	}
	if len(sts) == 0 {
		if boot != j.BootID {
			return &Status{ID: j.ID, Dir: j.Dir, Command: j.Command, State: Lost, ExitCode: -1,
				LostReason: "rebooted", Pid: j.Pid, BootID: j.BootID, Started: j.Started, bootNow: boot}, nil
		}
		return nil, fmt.Errorf("vmconn: job %s (%s): %w", j.ID, j.Dir, ErrNotFound)
	}
	return &sts[0], nil
}

// List lists the jobs in opts.Dir (nil: the default directory), oldest
// first, with their state as Job.Status reads it.
func List(ctx context.Context, c *vmconn.Client, opts *Options) ([]Status, error) {
	sts, _, err := list(ctx, c, opts)
	return sts, err
}

// list lists the jobs and returns the machine's clock too.
func list(ctx context.Context, c *vmconn.Client, opts *Options) ([]Status, time.Time, error) {
	var dir string
	if opts != nil {
		dir = opts.Dir
	}
	if err := validJobDir(dir); err != nil {
		return nil, time.Time{}, err
	}
	boot, err := c.BootID(ctx)
	if err != nil {
		return nil, time.Time{}, errutil.Errorf("jobs: reading boot id: %w", err)
	}
	sts, now, err := statuses(ctx, c, dir, nil, boot)
	if err != nil {
		return nil, time.Time{}, errutil.Errorf("jobs: %w", err)
	}
	return sts, now, nil
}

// jobStatuses runs jobStatusScript for the given jobs (nil: all in dir)
// and resolves their states against the current boot id.
func statuses(ctx context.Context, c *vmconn.Client, dir string, jobs []string, boot string) ([]Status, time.Time, error) {
	out, err := runScript(ctx, c, jobStatusScript, append([]string{dir}, jobs...)...)
	if err != nil {
		return nil, time.Time{}, err
	}
	return parseStatuses(out, boot)
}

// jobStatusFields is the number of fields of one job's record.
const jobStatusFields = 13

// parseStatuses reads jobStatusScript's output.
func parseStatuses(out []byte, boot string) ([]Status, time.Time, error) {
	f := textutil.SplitNUL(out)
	if len(f) < 2 || (len(f)-2)%jobStatusFields != 0 {
		return nil, time.Time{}, fmt.Errorf("vmconn: unexpected job status reply %q", textutil.Truncate(string(out), 200))
	}
	now := time.Unix(atoi64(f[1]), 0)
	var sts []Status
	for rec := f[2:]; len(rec) > 0; rec = rec[jobStatusFields:] {
		st, err := parseStatus(rec[:jobStatusFields], boot)
		if err != nil {
			return nil, time.Time{}, err
		}
		sts = append(sts, st)
	}
	return sts, now, nil
}

// parseStatus reads one record: dir, alive, exit, timedout, pid,
// wrapper, boot id, started, timeout, stdout size, stderr size,
// mechanism, command.
func parseStatus(r []string, boot string) (Status, error) {
	st := Status{
		ID: jobIDOf(r[0]), Dir: r[0], TimedOut: r[3] == "1",
		Pid: int(atoi64(r[4])), BootID: strings.TrimSpace(r[6]),
		Started: time.Unix(atoi64(r[7]), 0), StdoutSize: atoi64(r[9]), StderrSize: atoi64(r[10]),
		Mechanism: parseMechanism(r[11]), Command: r[12], ExitCode: -1, alive: r[1] == "1", bootNow: boot,
	}
	if secs, err := strconv.ParseFloat(strings.TrimSpace(r[8]), 64); err == nil && secs > 0 {
		st.Timeout = time.Duration(secs * float64(time.Second))
	}
	switch exit := strings.Fields(r[2]); {
	case len(exit) == 2:
		code, err := strconv.Atoi(exit[0])
		if err != nil {
			return st, fmt.Errorf("vmconn: job %s: bad exit file %q", st.ID, r[2])
		}
		st.State, st.ExitCode, st.Ended = Exited, code, time.Unix(atoi64(exit[1]), 0)
	case len(exit) != 0:
		return st, fmt.Errorf("vmconn: job %s: bad exit file %q", st.ID, r[2])
	case st.BootID != boot:
		st.State, st.LostReason = Lost, "rebooted"
	case st.alive:
		st.State = Running
	default:
		st.State, st.LostReason = Lost, "vanished"
	}
	return st, nil
}

// atoi64 parses a decimal number, with surrounding blanks (wc -c pads
// its output on some systems); anything else is 0.
func atoi64(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
