package job

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/vmconn/vmconn"
)

// jobStream delivers one of a job's logs to the caller's writer for the
// length of a Follow call, and advances the job's offset by exactly the
// bytes the writer accepted.
type jobStream struct {
	job  *Job
	idx  int // 0: stdout, 1: stderr
	w    io.Writer
	tail tailBuffer
}

func newJobStream(j *Job, idx int, w io.Writer) *jobStream {
	if w == nil {
		w = io.Discard
	}
	return &jobStream{job: j, idx: idx, w: w}
}

// deliver writes p to the caller's writer and counts what it took.
func (s *jobStream) deliver(p []byte) error {
	n, err := s.w.Write(p)
	n = min(max(n, 0), len(p))
	s.job.mu.Lock()
	s.job.offsets[s.idx] += int64(n)
	s.job.mu.Unlock()
	s.tail.write(p[:n])
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("vmconn: job %s: writing its %s: %w", s.job.ID, vmconn.Stream(s.idx+1), err)
	}
	return nil
}

// errSealed is returned to a follow command's output that arrives after
// Follow stopped listening to it.
var errSealed = errors.New("vmconn: job output after the follow ended")

// maxMarkerSearch bounds the output skipped while looking for the marker
// (what a chatty login script prints before the follow script runs).
const maxMarkerSearch = 64 << 10

// attemptWriter is the writer of one stream of one follow command. It
// drops everything up to the follow script's marker line, then passes
// output on to the stream. Once sealed (the command has ended, or was
// abandoned), it passes on nothing more, so that the job's offset counts
// only what the caller received while Follow listened. On an error it
// calls abort, to stop the command.
type attemptWriter struct {
	mu     sync.Mutex
	s      *jobStream
	abort  func()
	marker []byte // "MARKER\n"; nil once found
	buf    []byte
	sealed bool
	err    error // why the writer failed
}

func newAttemptWriter(s *jobStream, marker string, abort func()) *attemptWriter {
	return &attemptWriter{s: s, abort: abort, marker: []byte(marker + "\n")}
}

func (a *attemptWriter) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sealed {
		return 0, errSealed
	}
	if a.err == nil {
		a.err = a.write(p)
	}
	if a.err != nil {
		a.abort()
		return 0, a.err
	}
	return len(p), nil
}

// write delivers what follows the marker.
func (a *attemptWriter) write(p []byte) error {
	if a.marker == nil {
		return a.s.deliver(p)
	}
	a.buf = append(a.buf, p...)
	i := bytes.Index(a.buf, a.marker)
	if i < 0 {
		if len(a.buf) > maxMarkerSearch {
			return fmt.Errorf("vmconn: job %s: the follow command printed no marker", a.s.job.ID)
		}
		return nil
	}
	rest := a.buf[i+len(a.marker):]
	a.marker, a.buf = nil, nil
	if len(rest) == 0 {
		return nil
	}
	return a.s.deliver(rest)
}

// answered reports whether the marker was seen: the follow script ran.
func (a *attemptWriter) answered() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.marker == nil
}

// seal stops the writer, waiting for a write in progress, and returns
// its error.
func (a *attemptWriter) seal() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sealed = true
	return a.err
}

// tailBuffer keeps the last TailSize bytes written to it, in bounded
// memory.
type tailBuffer struct {
	b []byte
}

func (t *tailBuffer) write(p []byte) {
	if len(p) >= TailSize {
		t.b = append(t.b[:0], p[len(p)-TailSize:]...)
		return
	}
	t.b = append(t.b, p...)
	if len(t.b) > 2*TailSize {
		t.b = append(t.b[:0], t.b[len(t.b)-TailSize:]...)
	}
}

// bytes returns a copy of the last TailSize bytes.
func (t *tailBuffer) bytes() []byte {
	b := t.b
	if len(b) > TailSize {
		b = b[len(b)-TailSize:]
	}
	return bytes.Clone(b)
}
