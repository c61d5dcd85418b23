package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
)

// serveRun serves one Run: it reads the request, runs the command on
// the shared connection with the client's stdin, output and cancel
// frames, and sends its exit frame.
func (m *Master) serveRun(ctx context.Context, uc *net.UnixConn, key string, rest []byte) error {
	if key != m.Key {
		fmt.Fprintf(uc, "%s\n", replyMismatch)
		return ErrMismatch
	}
	fc := &frameConn{r: io.MultiReader(bytes.NewReader(rest), uc), w: uc}
	typ, p, err := fc.read()
	if err != nil {
		return err
	}
	if typ != frameRequest {
		return fmt.Errorf("run: first frame is %q, not a request", typ)
	}
	req, err := decodeRequest(p)
	if err != nil {
		return fmt.Errorf("run: request: %w", err)
	}
	if !m.join(uc) || ctx.Err() != nil {
		return errors.New("master stopping")
	}
	defer m.leave(uc)
	_ = uc.SetDeadline(time.Time{})
	if _, err := io.WriteString(uc, runOK+"\n"); err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in := newStdinFeed(fc)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); in.readFrames(cancel) }()
	go func() { defer wg.Done(); in.feed() }()
	err = m.runCommand(cctx, &req, fc, in)
	b, _ := json.Marshal(exitOf(err))
	werr := fc.write(frameExit, b)
	uc.Close() // ends readFrames
	in.pr.Close()
	wg.Wait()
	return werr
}

// runCommand runs req's command on the shared connection, reconnecting
// it first if it is down.
func (m *Master) runCommand(ctx context.Context, req *runRequest, fc *frameConn, in *stdinFeed) error {
	if err := m.Client.Reconnect(ctx); err != nil {
		return err
	}
	if req.BootID != "" {
		got, err := m.Client.BootID(ctx)
		if err != nil {
			return err
		}
		if got != req.BootID {
			return &vmconn.RebootError{Addr: m.Client.Addr(), OldBootID: req.BootID, NewBootID: got, NoticedAt: time.Now()}
		}
	}
	cmd := m.Client.Command(ctx, req.Command)
	if req.Stdin {
		cmd.Stdin = in.pr
	}
	cmd.Stdout, cmd.Stderr = fc.writer(frameStdout), fc.writer(frameStderr)
	return cmd.Run()
}

// stdinFeed hands a run client's stdin frames to the command, in order,
// and acknowledges each once the command took it: the client sends at
// most stdinInFlight frames ahead, so reading frames never waits for the
// command (a cancel frame is always read at once).
type stdinFeed struct {
	fc     *frameConn
	frames chan []byte
	pr     *io.PipeReader
	pw     *io.PipeWriter
}

func newStdinFeed(fc *frameConn) *stdinFeed {
	pr, pw := io.Pipe()
	return &stdinFeed{fc: fc, frames: make(chan []byte, stdinInFlight), pr: pr, pw: pw}
}

// readFrames reads the client's frames until the connection ends, which
// (like a cancel frame, or a client that breaks the protocol) cancels
// the command.
func (f *stdinFeed) readFrames(cancel context.CancelFunc) {
	open := true
	defer func() {
		if open {
			close(f.frames)
		}
	}()
	for {
		typ, p, err := f.fc.read()
		if err != nil {
			cancel()
			return
		}
		switch {
		case typ == frameCancel:
			cancel()
		case typ == frameStdinEOF && open:
			close(f.frames)
			open = false
		case typ == frameStdin && open && len(f.frames) < cap(f.frames):
			f.frames <- p
		default: // out of order, or past the window
			cancel()
			return
		}
	}
}

// feed writes the stdin frames into the command's stdin, then ends it.
func (f *stdinFeed) feed() {
	for p := range f.frames {
		if _, err := f.pw.Write(p); err != nil {
			continue // the command is done: drain until readFrames ends
		}
		_ = f.fc.write(frameAck, nil)
	}
	f.pw.Close()
}
