package vmconn

// JobAt returns a handle on the job directory dir, as if AttachJob had
// found it there, without reading it: tests use it to reach Kill and
// Cleanup with a directory that AttachJob would refuse.
func JobAt(c *Client, dir, bootID string) *Job {
	return &Job{ID: jobIDOf(dir), Dir: dir, BootID: bootID, client: c, exitCode: -1}
}

// JobTrustFuncs are the shell functions that check job directories and
// pids, for tests that run them in several shells.
const JobTrustFuncs = jobTrustFuncs
