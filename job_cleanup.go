package vmconn

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Cleanup removes the job's directory, logs included. It refuses (with
// ErrJobRunning) while the job runs: Kill it and Follow it to its end
// first. Removing a directory that is already gone is not an error.
func (j *Job) Cleanup(ctx context.Context) error {
	st, err := j.Status(ctx)
	switch {
	case errors.Is(err, ErrJobNotFound):
		return nil
	case err != nil:
		return errorf("clean up job %s: %w", j.ID, err)
	case st.State == JobRunning:
		return fmt.Errorf("vmconn: clean up job %s: %w", j.ID, ErrJobRunning)
	}
	if _, err := j.client.jobScript(ctx, jobRemoveScript, j.Dir); err != nil {
		return errorf("clean up job %s: %w", j.ID, err)
	}
	return nil
}

// PruneJobs removes the directories of the jobs in opts.Dir (nil: the
// default directory) that ended or were lost at least olderThan ago, by
// the machine's clock (a lost job counts from its start), and returns
// their IDs. Running jobs are never removed.
func (c *Client) PruneJobs(ctx context.Context, olderThan time.Duration, opts *JobOptions) ([]string, error) {
	sts, now, err := c.listJobs(ctx, opts)
	if err != nil {
		return nil, errorf("prune jobs: %w", err)
	}
	var ids, dirs []string
	for _, st := range sts {
		end := st.Ended
		if st.State == JobLost {
			end = st.Started
		}
		if st.State != JobRunning && now.Sub(end) >= olderThan {
			ids, dirs = append(ids, st.ID), append(dirs, st.Dir)
		}
	}
	if len(dirs) == 0 {
		return nil, nil
	}
	if _, err := c.jobScript(ctx, jobRemoveScript, dirs...); err != nil {
		return nil, errorf("prune jobs: %w", err)
	}
	c.log.Debug("vmconn: pruned jobs", "ids", ids)
	return ids, nil
}
