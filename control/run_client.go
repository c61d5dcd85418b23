package control

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/errutil"
)

// Run is one command run by a master on its connection, for a process
// that has no use for a connection of its own: the master runs it as
// Cmd.Run would (in vmconn's envelope, killed when cancelled) and
// streams its output back. It costs the caller no SSH handshake, which
// makes it the cheapest way for a short-lived process to run a command.
type Run struct {
	// Command is the command line, as for vmconn.Client.Command.
	Command string

	// BootID, if set, is the boot id the machine must have: when it has
	// another, nothing runs and Run returns a *vmconn.RebootError. At
	// most 255 bytes (a Linux boot id has 36).
	BootID string

	// Stdin is the command's standard input; nil means empty input.
	// As with vmconn.Cmd, Run does not wait for a Stdin that is not
	// exhausted: a Read in progress is left to end on its own.
	Stdin io.Reader

	// Stdout and Stderr receive the command's output as it comes; nil
	// discards it. They are written from one goroutine.
	Stdout, Stderr io.Writer
}

// ErrProtocol: the master at the path does not take Run (a master of an
// older vmconn); its clients connect with Dial instead.
var ErrProtocol = errors.New("the master there does not take run requests")

// A run connection opens with "vmconn-run 2 KEY\n" and the request
// frame, answered with "ok\n" or "mismatch\n". (Version 1 sent its
// request as JSON; a master of version 1 closes on this greeting, and
// its callers dial it instead.)
const (
	runGreetingPrefix = "vmconn-run 2 "
	runOK             = "ok"
)

// cancelWait bounds how long Run waits, once ctx ends, for the master
// to report the command stopped.
const cancelWait = 15 * time.Second

// Run runs r on the master at path that serves key. It returns nil when
// the command exited 0, a *vmconn.ExitError for another status or a
// signal, a *vmconn.RebootError for a BootID that is not the machine's,
// and a *RunError when the command ended without a status (the shared
// connection lost: errors.Is(err, vmconn.ErrConnLost)). When the
// connection to the master itself breaks, the error wraps
// vmconn.ErrConnLost. Errors before anything ran wrap ErrNoMaster,
// ErrStale, ErrMismatch, ErrProtocol, ErrUntrusted, ErrPathTooLong or
// ErrUnsupported, as Dial's; r may then be run another way. A BootID
// longer than 255 bytes is refused before connecting, with an error
// wrapping vmconn.ErrConfig.
//
// When ctx ends, Run asks the master to stop the command and waits (at
// most 15 s) for it to report the command gone, as Cmd.Run does; the
// error then wraps ctx's error and its cause (a signal, for the CLI).
func (r *Run) Run(ctx context.Context, path, key string) error {
	req, err := runRequest{Command: r.Command, BootID: r.BootID, Stdin: r.Stdin != nil}.encode()
	if err != nil {
		return err
	}
	uc, err := connect(ctx, path)
	if err != nil {
		return err
	}
	defer uc.Close()
	_ = uc.SetDeadline(time.Now().Add(greetingWait))
	stop := context.AfterFunc(ctx, func() { uc.Close() })
	fc, err := r.start(ctx, uc, key, req)
	if !stop() {
		return errutil.ContextEnd(ctx)
	}
	if err != nil {
		return err
	}
	_ = uc.SetDeadline(time.Time{})
	done := make(chan struct{})
	defer close(done)
	go r.cancelOn(ctx, done, fc, uc)
	acks := make(chan struct{}, stdinInFlight)
	if r.Stdin != nil {
		go pumpStdin(r.Stdin, fc, acks, done)
	}
	return r.receive(ctx, fc, acks)
}

// start sends the greeting and the request (its frame's payload) in one
// write, and reads the master's answer.
func (r *Run) start(ctx context.Context, uc io.ReadWriter, key string, req []byte) (*frameConn, error) {
	if len(req) > frameMax {
		return nil, fmt.Errorf("%w: command of %d bytes (at most %d through a master)", errTooLong, len(req), frameMax)
	}
	out := append([]byte(runGreetingPrefix+key+"\n"), frame(frameRequest, req)...)
	_, werr := uc.Write(out)
	// A master that refuses the greeting (another key; an older protocol)
	// closes without reading a long request to its end, which can fail the
	// write: its answer, if any, is still there to read.
	line, rest, err := readLine(uc)
	if werr != nil && (err != nil || line == runOK) {
		err = werr
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, errutil.ContextEnd(ctx)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		// An older master closes on a greeting it does not know; one on
		// its way out closes too. Either way: connect another way.
		return nil, fmt.Errorf("%w (or it is stopping): %w", ErrProtocol, err)
	case err != nil:
		return nil, fmt.Errorf("master's greeting: %w", err)
	case line == replyMismatch:
		return nil, ErrMismatch
	case line != runOK:
		return nil, fmt.Errorf("master's greeting: unexpected %q", line)
	}
	return &frameConn{r: io.MultiReader(bytes.NewReader(rest), uc), w: uc}, nil
}

// errTooLong: a command too long for one request frame.
var errTooLong = errors.New("command too long")

// receive writes the command's output until its exit frame.
func (r *Run) receive(ctx context.Context, fc *frameConn, acks chan struct{}) error {
	for {
		typ, p, err := fc.read()
		if err != nil {
			if ctx.Err() != nil {
				return errutil.ContextEnd(ctx)
			}
			return &RunError{Msg: fmt.Sprintf("vmconn: connection to the master lost: %v", err), is: []error{vmconn.ErrConnLost}}
		}
		switch typ {
		case frameStdout:
			writeTo(r.Stdout, p)
		case frameStderr:
			writeTo(r.Stderr, p)
		case frameAck:
			select {
			case <-acks:
			default:
			}
		case frameExit:
			x, err := decodeExit(p)
			if err != nil {
				return fmt.Errorf("master's exit frame: %w", err)
			}
			if err := x.err(r.BootID); err != nil && ctx.Err() != nil && x.Error != "" {
				return errors.Join(errutil.ContextEnd(ctx), err)
			}
			return x.err(r.BootID)
		default:
			return fmt.Errorf("master sent a frame of unknown type %q", typ)
		}
	}
}

// cancelOn asks the master to stop the command when ctx ends, and
// closes the connection if it has not answered within cancelWait.
func (r *Run) cancelOn(ctx context.Context, done <-chan struct{}, fc *frameConn, c io.Closer) {
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	_ = fc.write(frameCancel, nil)
	t := time.NewTimer(cancelWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		c.Close()
	}
}

// pumpStdin sends in as stdin frames, at most stdinInFlight unacknowledged.
func pumpStdin(in io.Reader, fc *frameConn, acks chan struct{}, done <-chan struct{}) {
	buf := make([]byte, frameChunk)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			select {
			case acks <- struct{}{}:
			case <-done:
				return
			}
			if fc.write(frameStdin, buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			_ = fc.write(frameStdinEOF, nil)
			return
		}
	}
}

// writeTo writes p to w, if w is set; a failing writer loses the rest,
// as the command's output has nowhere else to go.
func writeTo(w io.Writer, p []byte) {
	if w != nil {
		_, _ = w.Write(p)
	}
}
