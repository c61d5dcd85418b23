package job

import (
	"errors"
	"fmt"

	"github.com/vmconn/vmconn"
)

// Errors of jobs (see Job). None is retryable as such: vmconn.Retryable
// answers false for them. A job error that also wraps one of the core's
// retryable errors (Follow's, when reconnecting failed: the job goes on,
// and a later Follow resumes) is retryable.
var (
	// ErrLost: the job will never report an exit status, because the
	// machine rebooted while it ran (returned as a *LostError, which
	// also wraps vmconn.ErrRebooted) or because its wrapper was killed. Its
	// outcome is unknown; vmconn never re-runs it.
	ErrLost = errors.New("job lost")

	// ErrNotFound: there is no job directory with that ID (wrong ID or
	// Options.Dir, removed by Cleanup or Prune, or wiped).
	ErrNotFound = errors.New("job not found")

	// ErrTimeout: the job ran longer than Options.Timeout and was
	// killed. The error also wraps the job's *vmconn.ExitError.
	ErrTimeout = errors.New("job timed out")

	// ErrFinished: Kill found the job already ended.
	ErrFinished = errors.New("job already finished")

	// ErrRunning: Cleanup refuses to remove a running job's directory;
	// Kill it first.
	ErrRunning = errors.New("job still running")

	// ErrUntrusted: the job's base directory or job directory is not
	// safe to use, so nothing was started, read, signalled or removed:
	// it, or a directory above it (up to the home directory or /), is
	// owned by another user or writable by others (a sticky directory
	// such as /tmp may be writable by all above it), or Kill found that
	// the job's pid file does not name the job's own process group. The
	// message names the directory and the reason.
	ErrUntrusted = errors.New("job directory not trusted")
)

// LostError reports a job that will never report an exit status. It
// carries what Follow delivered before that was known.
type LostError struct {
	ID        string
	Reason    string // "rebooted" or "vanished" (the wrapper died without recording a status)
	OldBootID string // the boot id the job started under
	NewBootID string // the machine's boot id now

	// Stdout and Stderr are the offsets reached in each log: every byte
	// before them was delivered to the writers (or skipped by SetOffsets).
	Stdout, Stderr int64

	// StdoutTail and StderrTail hold the last bytes delivered by this
	// Follow call, at most TailSize of each.
	StdoutTail, StderrTail []byte
}

// TailSize caps LostError's StdoutTail and StderrTail.
const TailSize = 64 << 10

func (e *LostError) Error() string {
	if e.Reason == "rebooted" {
		return fmt.Sprintf("vmconn: job %s lost: the machine rebooted (boot id %s -> %s) after %d bytes of stdout and %d of stderr",
			e.ID, e.OldBootID, e.NewBootID, e.Stdout, e.Stderr)
	}
	return fmt.Sprintf("vmconn: job %s lost: its wrapper died without recording an exit status, after %d bytes of stdout and %d of stderr",
		e.ID, e.Stdout, e.Stderr)
}

// Retryable reports false: the job's outcome is unknown, and it is never
// re-run.
func (e *LostError) Retryable() bool { return false }

// Unwrap returns ErrLost, and vmconn.ErrRebooted when the machine rebooted.
func (e *LostError) Unwrap() []error {
	if e.Reason == "rebooted" {
		return []error{ErrLost, vmconn.ErrRebooted}
	}
	return []error{ErrLost}
}
