package job

import (
	"context"
	"fmt"
	"strings"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// Attach returns a handle on the job with the given ID in opts.Dir (nil
// opts: the default directory), started earlier by this or another
// process; id may also be the job directory's absolute path. Its offsets
// are 0: call SetOffsets to resume following where an earlier process
// stopped. A job that is not there fails with ErrNotFound; a bad id is
// an vmconn.ErrConfig error. The job may have ended or been lost: Follow then
// delivers its logs and reports how it ended.
func Attach(ctx context.Context, c *vmconn.Client, id string, opts *Options) (*Job, error) {
	if err := validJobID(id); err != nil {
		return nil, err
	}
	var dir string
	if opts != nil {
		dir = opts.Dir
	}
	if err := validJobDir(dir); err != nil {
		return nil, err
	}
	boot, err := c.BootID(ctx)
	if err != nil {
		return nil, errutil.Errorf("look up job %s: reading boot id: %w", id, err)
	}
	sts, _, err := statuses(ctx, c, dir, []string{id}, boot)
	if err != nil {
		return nil, errutil.Errorf("look up job %s: %w", id, err)
	}
	if len(sts) == 0 {
		return nil, fmt.Errorf("vmconn: look up job %s: %w", id, ErrNotFound)
	}
	st := sts[0]
	return &Job{ID: st.ID, Dir: st.Dir, Command: st.Command, Pid: st.Pid, BootID: st.BootID,
		Started: st.Started, client: c, exitCode: -1}, nil
}

// validJobID accepts a job directory's name (letters, digits, ".", "_"
// and "-", not "." or "..") or an absolute path.
func validJobID(id string) error {
	ok := id != "" && id != "." && id != ".." && strings.IndexByte(id, 0) < 0
	if ok && !strings.HasPrefix(id, "/") {
		ok = strings.IndexFunc(id, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		}) < 0
	}
	if !ok {
		return fmt.Errorf("vmconn: bad job ID %q: %w", id, vmconn.ErrConfig)
	}
	return nil
}
