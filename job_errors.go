package vmconn

import (
	"errors"
	"fmt"
)

// Errors of jobs (see Job). None is retryable as such.
var (
	// ErrJobLost: the job will never report an exit status, because the
	// machine rebooted while it ran (returned as a *JobLostError, which
	// also wraps ErrRebooted) or because its wrapper was killed. Its
	// outcome is unknown; vmconn never re-runs it.
	ErrJobLost = errors.New("job lost")

	// ErrJobNotFound: there is no job directory with that ID (wrong ID or
	// JobOptions.Dir, removed by Cleanup or PruneJobs, or wiped).
	ErrJobNotFound = errors.New("job not found")

	// ErrJobTimeout: the job ran longer than JobOptions.Timeout and was
	// killed. The error also wraps the job's *ExitError.
	ErrJobTimeout = errors.New("job timed out")

	// ErrJobFinished: Kill found the job already ended.
	ErrJobFinished = errors.New("job already finished")

	// ErrJobRunning: Cleanup refuses to remove a running job's directory;
	// Kill it first.
	ErrJobRunning = errors.New("job still running")

	// ErrJobUntrusted: the job's base directory or job directory is not
	// safe to use, so nothing was started, read, signalled or removed:
	// it, or a directory above it (up to the home directory or /), is
	// owned by another user or writable by others (a sticky directory
	// such as /tmp may be writable by all above it), or Kill found that
	// the job's pid file does not name the job's own process group. The
	// message names the directory and the reason.
	ErrJobUntrusted = errors.New("job directory not trusted")
)

// JobLostError reports a job that will never report an exit status. It
// carries what Follow delivered before that was known.
type JobLostError struct {
	ID        string
	Reason    string // "rebooted" or "vanished" (the wrapper died without recording a status)
	OldBootID string // the boot id the job started under
	NewBootID string // the machine's boot id now

	// Stdout and Stderr are the offsets reached in each log: every byte
	// before them was delivered to the writers (or skipped by SetOffsets).
	Stdout, Stderr int64

	// StdoutTail and StderrTail hold the last bytes delivered by this
	// Follow call, at most JobTailSize of each.
	StdoutTail, StderrTail []byte
}

// JobTailSize caps JobLostError's StdoutTail and StderrTail.
const JobTailSize = 64 << 10

func (e *JobLostError) Error() string {
	if e.Reason == "rebooted" {
		return fmt.Sprintf("vmconn: job %s lost: the machine rebooted (boot id %s -> %s) after %d bytes of stdout and %d of stderr",
			e.ID, e.OldBootID, e.NewBootID, e.Stdout, e.Stderr)
	}
	return fmt.Sprintf("vmconn: job %s lost: its wrapper died without recording an exit status, after %d bytes of stdout and %d of stderr",
		e.ID, e.Stdout, e.Stderr)
}

// Unwrap returns ErrJobLost, and ErrRebooted when the machine rebooted.
func (e *JobLostError) Unwrap() []error {
	if e.Reason == "rebooted" {
		return []error{ErrJobLost, ErrRebooted}
	}
	return []error{ErrJobLost}
}
