package job

import (
	"sync"
	"time"

	"github.com/vmconn/vmconn"
)

// Job is a handle on a detached job: a command that outlives the
// connection, for commands that break the link they run over (network
// reconfiguration, package upgrades) or run for hours. vmconn.Client.StartJob
// starts one, vmconn.Client.AttachJob finds one again (from another process, or
// after the caller restarted), and Job.Follow streams its output live,
// resuming at the exact byte offset after every dropped connection, until
// the job ends. Its exported fields describe the job and do not change.
// Its methods are safe for concurrent use, but only one Follow runs at a
// time.
//
// The job directory: StartJob creates it with "mktemp -d" (mode 0700,
// umask 077) under Options.Dir, by default
// ${XDG_CACHE_HOME:-$HOME/.cache}/vmconn/jobs: not /tmp, which is often
// wiped by a reboot, because a job's logs and exit status must outlive
// one. Its name is the job's ID, "YYYYMMDD-HHMMSS-XXXXXX" (UTC start
// time, then random). Dir is its physical path (symbolic links resolved).
// Every job call first checks the directories it uses, as OpenSSH's
// StrictModes does, and refuses with ErrUntrusted, naming the
// directory and the reason, unless the base directory and the job
// directory are owned by the user and writable by no one else, and each
// directory above them, up to the user's home directory or /, is owned by
// the user or root and writable by no one else unless it is sticky (like
// /tmp): otherwise another user could swap in a job directory of their
// own, with its output, exit status and pid. It holds:
//
//	command     the command as given
//	boot_id     the machine's boot id when the job started (as vmconn.Client.BootID reads it)
//	started     the start time, in seconds since the epoch
//	timeout     Options.Timeout in seconds, 0 for none
//	pid         the command's process id: its process group and session id
//	wrapper     the pid of the wrapper shell that waits for the command
//	lock        locked by the wrapper for as long as it lives
//	stdout      the command's standard output, as written
//	stderr      the command's standard error, as written
//	exit        "STATUS ENDED\n", written atomically (temp file, then mv) at the end
//	timedout    present if Options.Timeout killed the job
//	launch.log  errors of the wrapper itself, if any
//
// Detaching: the wrapper runs as "setsid -f /bin/sh -c WRAPPER" with its
// stdin, stdout and stderr away from the SSH session, and starts the
// command with setsid again: the wrapper and the command each have a
// session and process group of their own, with no controlling terminal,
// so neither a closed SSH session, a restarted sshd, a lost link nor a
// hangup reaches them (which is what nohup is for: it is not needed, and
// not used, so that the command keeps default signal handling and
// Job.Kill with SIGHUP works). Job.Kill signals the command's whole
// process group while the wrapper lives on to record the exit status,
// once it has checked that the pid file names the job's own process: a
// number above 1, of a running process that leads its process group and
// has VMCONN_JOB_DIR=<the job directory> in its environment. The command
// gets that variable from the wrapper (and so do its children); a command
// that replaces itself with a program run without it (exec env -i ...)
// can no longer be killed with Job.Kill. The
// command runs in /bin/sh with -c, in the login directory
// and with the session's umask, like vmconn.Client.Command's commands; its stdin
// is /dev/null. (With a setsid that lacks -f, such as busybox's, the
// wrapper is started as a background job, and the command then ignores
// SIGINT and SIGQUIT, as POSIX shells make background jobs do.) Where
// systemd-logind kills a user's processes when the last session ends
// (KillUserProcesses=yes), set Options.SystemdScope and enable
// lingering ("loginctl enable-linger USER").
//
// The machine needs a POSIX sh, mktemp, setsid and flock (util-linux or
// busybox), tail, and Linux's /proc for Job.Kill. With GNU tail (coreutils), a line the job writes
// reaches Follow's writers as soon as the file changes (inotify); other
// tails poll the file at their own pace (busybox: once a second).
//
// Following: Follow runs one remote process per connection that reads
// each log from the offset already delivered ("tail -c +N -f") and ends
// when the wrapper does. It counts the bytes it hands to the caller's
// writers and trusts nothing else: after a lost connection it reconnects
// (see Config.ReconnectTimeout) and resumes at those offsets, so every
// byte arrives exactly once and in order, however often the link drops.
// If the job ended meanwhile, the rest of the logs and the exit status
// are read without re-running anything. If the machine rebooted (its boot
// id is no longer the job's) before the job ended, Follow returns a
// *LostError. Output that processes the job left behind write to the
// logs after the job itself ended may not be delivered.
type Job struct {
	ID      string    // the job directory's name
	Dir     string    // absolute path of the job directory on the machine
	Command string    // the command as given to StartJob
	Pid     int       // process id of the command: its process group and session
	BootID  string    // the machine's boot id when the job started
	Started time.Time // start time, by the machine's clock (whole seconds)

	client *vmconn.Client

	mu        sync.Mutex
	offsets   [2]int64 // bytes of stdout and stderr delivered (or skipped)
	following bool
	exitCode  int
}

// Options configures StartJob, and tells AttachJob, Jobs and PruneJobs
// where the jobs are. A nil *Options is the zero value.
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

// Status is a snapshot of a job, as Job.Status and vmconn.Client.Jobs read it.
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
