package job

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// Cleanup removes the job's directory, logs included. It refuses (with
// ErrRunning) while the job runs: Kill it and Follow it to its end
// first. Removing a directory that is already gone is not an error.
func (j *Job) Cleanup(ctx context.Context) error {
	st, err := j.Status(ctx)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return errutil.Errorf("clean up job %s: %w", j.ID, err)
	case st.State == Running:
		return fmt.Errorf("vmconn: clean up job %s: %w", j.ID, ErrRunning)
	}
	if _, err := runScript(ctx, j.client, jobRemoveScript, j.Dir); err != nil {
		return errutil.Errorf("clean up job %s: %w", j.ID, err)
	}
	return nil
}

// Prune removes the directories of the jobs in opts.Dir (nil: the
// default directory) that ended or were lost at least olderThan ago, by
// the machine's clock (a lost job counts from its start), and returns
// their IDs. Running jobs are never removed.
func Prune(ctx context.Context, c *vmconn.Client, olderThan time.Duration, opts *Options) ([]string, error) {
	sts, now, err := list(ctx, c, opts)
	if err != nil {
		return nil, errutil.Errorf("prune jobs: %w", err)
	}
	var ids, dirs []string
	for _, st := range sts {
		end := st.Ended
		if st.State == Lost {
			end = st.Started
		}
		if st.State != Running && now.Sub(end) >= olderThan {
			ids, dirs = append(ids, st.ID), append(dirs, st.Dir)
		}
	}
	if len(dirs) == 0 {
		return nil, nil
	}
	if _, err := runScript(ctx, c, jobRemoveScript, dirs...); err != nil {
		return nil, errutil.Errorf("prune jobs: %w", err)
	}
	logger(c).Debug("vmconn: pruned jobs", "ids", ids)
	return ids, nil
}
