package job

import (
	"sync"
	"time"

	"github.com/vmconn/vmconn"
)

// Job is a handle on a detached job: a command that outlives the
// connection (see the package documentation). Start starts one, Attach
// finds one again (from another process, or after the caller restarted),
// and Follow streams its output live, resuming at the exact byte offset
// after every dropped connection, until the job ends. Its exported fields
// describe the job and do not change. Its methods are safe for concurrent
// use, but only one Follow runs at a time.
type Job struct {
	ID      string    // the job directory's name
	Dir     string    // absolute path of the job directory on the machine
	Command string    // the command as given to Start
	Pid     int       // process id of the command: its process group and session
	BootID  string    // the machine's boot id when the job started
	Started time.Time // start time, by the machine's clock (whole seconds)

	client *vmconn.Client

	mu        sync.Mutex
	offsets   [2]int64 // bytes of stdout and stderr delivered (or skipped)
	following bool
	exitCode  int
}

// Options configures Start, and tells Attach, List and Prune where the
// jobs are. A nil *Options is the zero value.
type Options struct {
	// Dir is the directory on the machine that holds the job directories,
	// created (mode 0700, as are the missing directories above it) if
	// missing; a relative Dir is relative to the login directory, even
	// when it begins with "-". It must be the user's, and it and the
	// directories above it writable by no one else (see Job): otherwise
	// every job call fails with ErrUntrusted. Zero means
	// ${XDG_CACHE_HOME:-$HOME/.cache}/vmconn/jobs.
	Dir string

	// Env holds "NAME=value" entries exported to the command.
	Env []string

	// Timeout, if positive, kills the job when it runs longer: its
	// process group gets SIGTERM, then SIGKILL KillDelay later. Follow
	// then returns an error wrapping ErrTimeout and the *vmconn.ExitError.
	Timeout time.Duration

	// KillDelay is the wait between SIGTERM and SIGKILL after Timeout.
	// Zero means DefaultKillDelay.
	KillDelay time.Duration

	// SystemdScope starts the job under "systemd-run --user --scope", for
	// machines where systemd-logind kills a user's processes when the
	// last session ends (KillUserProcesses=yes). It needs a running user
	// service manager and, to outlive the session, lingering (see Job).
	SystemdScope bool
}

// DefaultKillDelay is Options.KillDelay's zero value.
const DefaultKillDelay = 5 * time.Second

// State says whether a job runs, has ended, or never will report.
type State int

// The states of a job.
const (
	Running State = iota + 1 // the wrapper is alive and no exit status was written
	Exited                   // the job ended and its exit status was recorded
	Lost                     // no exit status will come: the machine rebooted, or the wrapper was killed
)

// String returns "running", "exited" or "lost".
func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Exited:
		return "exited"
	case Lost:
		return "lost"
	}
	return "unknown"
}

// Status is a snapshot of a job, as Job.Status and List read it.
type Status struct {
	ID         string
	Dir        string
	Command    string
	State      State
	ExitCode   int    // Exited: the exit status (128+N for signal N); otherwise -1
	TimedOut   bool   // Options.Timeout killed the job
	LostReason string // Lost: "rebooted" or "vanished" (the wrapper died without recording a status)
	Pid        int
	BootID     string // the machine's boot id when the job started
	Started    time.Time
	Ended      time.Time     // Exited only
	Timeout    time.Duration // Options.Timeout, 0 for none
	StdoutSize int64         // bytes in the stdout log
	StderrSize int64         // bytes in the stderr log
	Mechanism  Mechanism     // how the job tells a live wrapper from a dead one

	alive   bool
	bootNow string // the machine's boot id when the status was read
}

// Offsets returns how many bytes of the job's stdout and stderr logs lie
// before the point where the next Follow starts: the bytes delivered so
// far, plus any skipped with SetOffsets.
func (j *Job) Offsets() (stdout, stderr int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.offsets[0], j.offsets[1]
}

// SetOffsets makes the next Follow start at these byte offsets into the
// stdout and stderr logs (0 is the start), to resume where an earlier
// process left off. Negative offsets count as 0. Call it only while no
// Follow runs.
func (j *Job) SetOffsets(stdout, stderr int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.offsets = [2]int64{max(stdout, 0), max(stderr, 0)}
}

// ExitCode returns the job's exit status once Follow has returned it, and
// -1 before, or when the job was lost.
func (j *Job) ExitCode() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.exitCode
}
