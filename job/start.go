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

// Start starts command on the machine as a detached job (see Job) and
// returns once it runs, with the job's ID, directory and pid. It does not
// wait for the job: call Follow for its output and exit status. It first
// reads the boot id (vmconn.Client.BootID), which the job directory records.
//
// Start is never retried: if the connection is lost while it runs,
// the job may or may not have started, and List tells. A command
// that is empty or holds a NUL byte, or a bad opts.Env entry, is a
// vmconn.ErrConfig error, and so is one too long for a command line (about
// 100 KiB of plain text; quotes count four times); opts.Env travels
// apart, over the session's stdin, and never appears on a command line; a
// machine that lacks a tool jobs need fails with an
// *vmconn.ExitError whose Stderr says which.
func Start(ctx context.Context, c *vmconn.Client, command string, opts *Options) (*Job, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := checkJobCommand(command); err != nil {
		return nil, err
	}
	if err := validJobDir(opts.Dir); err != nil {
		return nil, err
	}
	boot, err := c.BootID(ctx)
	if err != nil {
		return nil, errutil.Errorf("start job: reading boot id: %w", err)
	}
	line := jobScriptLine(jobStartScript, startArgs(opts, command, boot)...)
	if len(line) > maxJobLine {
		return nil, fmt.Errorf("vmconn: job command too long (%d bytes quoted, at most %d): %w", len(line), maxJobLine, vmconn.ErrConfig)
	}
	start := c.Command(ctx, line)
	start.Env = opts.Env // over stdin: secrets stay off every command line
	out, err := start.Output()
	if err != nil {
		return nil, errutil.Errorf("start job: %w", jobTrustError(err))
	}
	j, err := parseStarted(out)
	if err != nil {
		return nil, err
	}
	j.client, j.Command, j.BootID = c, command, boot
	logger(c).Debug("vmconn: job started", "id", j.ID, "dir", j.Dir, "pid", j.Pid)
	return j, nil
}

// maxJobLine bounds the start command line: Linux limits one argument
// (the line sshd hands to "shell -c") to 128 KiB.
const maxJobLine = 126 << 10

// startArgs returns jobStartScript's positional parameters.
func startArgs(opts *Options, command, boot string) []string {
	kill := opts.KillDelay
	if kill <= 0 {
		kill = DefaultKillDelay
	}
	scope := "0"
	if opts.SystemdScope {
		scope = "1"
	}
	return []string{jobWrapperScript, opts.Dir, command,
		seconds(opts.Timeout), seconds(kill), boot, scope}
}

// checkJobCommand rejects commands no job can run.
func checkJobCommand(command string) error {
	if strings.TrimSpace(command) == "" {
		return fmt.Errorf("vmconn: empty job command: %w", vmconn.ErrConfig)
	}
	if strings.IndexByte(command, 0) >= 0 {
		return fmt.Errorf("vmconn: job command holds a NUL byte: %w", vmconn.ErrConfig)
	}
	return nil
}

// validJobDir rejects base directories no shell argument can hold.
func validJobDir(dir string) error {
	if strings.IndexByte(dir, 0) >= 0 {
		return fmt.Errorf("vmconn: job directory holds a NUL byte: %w", vmconn.ErrConfig)
	}
	return nil
}

// parseStarted reads the start script's output: directory, pid, wrapper
// pid and start time.
func parseStarted(out []byte) (*Job, error) {
	f := textutil.SplitNUL(out)
	if len(f) != 4 {
		return nil, fmt.Errorf("vmconn: start job: unexpected reply %q", textutil.Truncate(string(out), 200))
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(f[1]))
	_, err2 := strconv.Atoi(strings.TrimSpace(f[2]))
	started, err3 := strconv.ParseInt(strings.TrimSpace(f[3]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || pid <= 1 {
		return nil, fmt.Errorf("vmconn: start job: unexpected reply %q", textutil.Truncate(string(out), 200))
	}
	return &Job{
		ID:       jobIDOf(f[0]),
		Dir:      f[0],
		Pid:      pid,
		Started:  time.Unix(started, 0),
		exitCode: -1,
	}, nil
}

// jobIDOf returns the last element of a job directory's path.
func jobIDOf(dir string) string {
	return dir[strings.LastIndexByte(dir, '/')+1:]
}
