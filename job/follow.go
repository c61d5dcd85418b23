package job

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/backoff"
	"github.com/vmconn/vmconn/internal/errutil"
)

// Follow streams the job's stdout and stderr logs to the writers, from
// the offsets reached so far (see Offsets, SetOffsets), as the job writes
// them, and waits for the job to end. Each writer is called from one
// goroutine at a time, with the bytes in the order the job wrote them.
//
// When the connection is lost, Follow reconnects and resumes at the exact
// offsets delivered: no byte is lost or repeated, however often the link
// drops. It returns nil when the job exited with status 0; an *vmconn.ExitError
// for another status (wrapped with ErrTimeout if Options.Timeout
// killed it); a *LostError when the machine rebooted (or the wrapper
// died) before the job ended, after delivering what the logs hold. It
// returns an error wrapping the context's when ctx ends, and the client's
// error when reconnecting failed for Config.ReconnectTimeout (or is
// disabled): the job goes on, and a later Follow resumes. A writer's
// error ends Follow with that error.
func (j *Job) Follow(ctx context.Context, stdout, stderr io.Writer) error {
	j.mu.Lock()
	if j.following {
		j.mu.Unlock()
		return fmt.Errorf("vmconn: job %s: Follow already running", j.ID)
	}
	j.following = true
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		j.following = false
		j.mu.Unlock()
	}()
	f := &follower{job: j, streams: [2]*jobStream{newJobStream(j, 0, stdout), newJobStream(j, 1, stderr)}}
	return f.run(ctx)
}

// follower is the state of one Follow call.
type follower struct {
	job     *Job
	streams [2]*jobStream
	lastOK  time.Time // last time the machine answered
	backoff time.Duration
	stale   bool // the status in hand was read before the last follow command was interrupted
}

// errRecheck: a follow command, run on a status read before an earlier
// one was interrupted, failed in a way that a fresh status may explain
// (a job directory wiped by a reboot).
var errRecheck = errors.New("read the status again")

// run polls the job's state and follows its logs until it has ended and
// every byte was delivered. A follow command cut short by a lost
// connection is run again at once, without reading the status first: it
// tells by itself whether the job still runs (see Mechanism, which holds
// across reboots), so that a resume costs one command, not three (the
// boot id, the status, the follow), which matters on a link that drops
// every fraction of a second.
func (f *follower) run(ctx context.Context) error {
	f.lastOK = time.Now()
	stuck := 0 // complete reads of an ended job that delivered nothing (a truncated log)
	var st *Status
	for {
		if st == nil {
			var err error
			if st, err = f.job.Status(ctx); err != nil {
				if err := f.transient(ctx, err); err != nil {
					return err
				}
				continue
			}
			f.lastOK, f.stale = time.Now(), false
			if st.State != Running && (f.caughtUp(st) || stuck >= 3) {
				return f.result(st)
			}
		}
		before := f.delivered()
		complete, err := f.followOnce(ctx, st.State == Running)
		switch {
		case errors.Is(err, errRecheck):
			st = nil
			continue
		case err != nil:
			return err
		}
		interrupted := !complete
		switch {
		case st.State == Lost && complete: // one catch-up read: its log may still grow
			return f.result(st)
		case f.delivered() != before:
			f.lastOK, f.backoff, stuck = time.Now(), 0, 0
		default:
			if complete && st.State != Running {
				stuck++
			}
			if !interrupted { // an interrupted one paused already
				if err := f.pause(ctx); err != nil {
					return err
				}
			}
		}
		if interrupted && st.State == Running {
			f.stale = true // follow again, as it was
		} else {
			st = nil
		}
	}
}

// followOnce runs one follow command and reports whether it ran to its
// end. Losing the connection is not an error: it pauses, and the caller
// follows again, which reconnects.
func (f *follower) followOnce(ctx context.Context, follow bool) (complete bool, err error) {
	j := f.job
	marker := followMarker()
	actx, abort := context.WithCancel(ctx)
	defer abort()
	out := newAttemptWriter(f.streams[0], marker, abort)
	errw := newAttemptWriter(f.streams[1], marker, abort)
	o0, o1 := j.Offsets()
	flag := "0"
	if follow {
		flag = "1"
	}
	cmd := j.client.Command(actx, jobScriptLine(jobFollowScript, j.Dir,
		strconv.FormatInt(o0, 10), strconv.FormatInt(o1, 10), flag, marker))
	cmd.Stdout, cmd.Stderr = out, errw
	err = cmd.Run()
	if werr := errors.Join(out.seal(), errw.seal()); werr != nil {
		return false, werr
	}
	if out.answered() {
		f.lastOK = time.Now()
	}
	var ee *vmconn.ExitError
	switch {
	case err == nil:
		return true, nil
	case f.stale && ctx.Err() == nil && errors.As(err, &ee):
		return false, errRecheck
	case errors.As(err, &ee) && ee.Status == jobUntrustedStatus:
		return false, fmt.Errorf("vmconn: job %s: following: %w: %s", j.ID, ErrUntrusted, j.Dir)
	}
	return false, f.transient(ctx, err)
}

// transient returns nil for an error that a reconnection may mend (the
// connection died under a command), after a pause; otherwise, or when
// the machine has not answered for longer than the client's
// ReconnectTimeout, the error to return from Follow.
func (f *follower) transient(ctx context.Context, err error) error {
	j := f.job
	if ctx.Err() != nil {
		o0, o1 := j.Offsets()
		return fmt.Errorf("vmconn: job %s: stopped following at stdout %d, stderr %d (the job goes on): %w",
			j.ID, o0, o1, errutil.ContextError(ctx, err))
	}
	total := reconnectTimeout(j.client)
	lost := errors.Is(err, vmconn.ErrConnLost) || errors.Is(err, vmconn.ErrNoExitStatus)
	if !lost || errors.Is(err, vmconn.ErrUnreachable) || errors.Is(err, vmconn.ErrTimeout) || errors.Is(err, vmconn.ErrHandshake) ||
		total < 0 || time.Since(f.lastOK) > total {
		return errutil.Errorf("job %s: following: %w", j.ID, err)
	}
	logger(j.client).Debug("vmconn: job follow interrupted, resuming", "id", j.ID, "err", err)
	return f.pause(ctx)
}

// pause waits a little longer each time nothing was delivered.
func (f *follower) pause(ctx context.Context) error {
	f.backoff = min(max(2*f.backoff, 10*time.Millisecond), time.Second)
	if err := backoff.Sleep(ctx, backoff.Jitter(f.backoff)); err != nil {
		return f.transient(ctx, err)
	}
	return nil
}

// caughtUp reports whether every byte the logs held was delivered.
func (f *follower) caughtUp(st *Status) bool {
	o0, o1 := f.job.Offsets()
	return o0 >= st.StdoutSize && o1 >= st.StderrSize
}

// delivered returns the sum of both offsets, to notice progress.
func (f *follower) delivered() int64 {
	o0, o1 := f.job.Offsets()
	return o0 + o1
}

// result turns an ended job's status into Follow's result.
func (f *follower) result(st *Status) error {
	if st.State == Lost {
		return f.lostError(st)
	}
	j := f.job
	j.mu.Lock()
	j.exitCode = st.ExitCode
	j.mu.Unlock()
	if st.ExitCode == 0 {
		return nil
	}
	ee := &vmconn.ExitError{Status: st.ExitCode}
	if st.TimedOut {
		return errutil.Errorf("job %s killed after its timeout of %v: %w: %w", j.ID, st.Timeout, ErrTimeout, ee)
	}
	return ee
}

func (f *follower) lostError(st *Status) error {
	o0, o1 := f.job.Offsets()
	return &LostError{ID: f.job.ID, Reason: st.LostReason, OldBootID: st.BootID, NewBootID: st.bootNow,
		Stdout: o0, Stderr: o1, StdoutTail: f.streams[0].tail.bytes(), StderrTail: f.streams[1].tail.bytes()}
}

// followMarker returns a fresh random marker line for a follow command.
func followMarker() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "__vmconn_follow_" + hex.EncodeToString(b[:])
}
