package job

import "github.com/vmconn/vmconn"

// HandleAt returns a handle on the job directory dir, as if Attach had
// found it there, without reading it: tests use it to reach Kill and
// Cleanup with a directory that Attach would refuse.
func HandleAt(c *vmconn.Client, dir, bootID string) *Job {
	return &Job{ID: jobIDOf(dir), Dir: dir, BootID: bootID, client: c, exitCode: -1}
}

// TrustFuncs are the shell functions that check job directories and
// pids, for tests that run them in several shells.
const TrustFuncs = jobTrustFuncs
