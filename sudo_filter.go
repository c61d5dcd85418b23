package vmconn

import (
	"bytes"
	"io"
	"sync"
)

// maxSudoSaid caps what sudoFilter keeps of sudo's own messages.
const maxSudoSaid = 4 << 10

// sudoFilter is an io.Writer on the stream where sudo and the root shell
// write their messages (stderr, or stdout with a PTY). Until the root
// shell's start marker it works line by line: it drops the markers, keeps
// a copy of what sudo said, and passes everything else on; after the
// marker it passes bytes straight through.
type sudoFilter struct {
	dst   io.Writer
	start []byte
	badPw []byte

	mu      sync.Mutex
	buf     []byte
	saidBuf bytes.Buffer
	seen    bool // start marker seen, or given up looking
	marker  bool // the start marker itself was seen
	wrongPw bool
}

func newSudoFilter(token string) *sudoFilter {
	return &sudoFilter{start: []byte(sudoMarker(token)), badPw: []byte(sudoBadPwMarker(token))}
}

func (f *sudoFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen {
		return len(p), f.pass(p)
	}
	f.buf = append(f.buf, p...)
	for !f.seen {
		nl := bytes.IndexByte(f.buf, '\n')
		if nl < 0 {
			if len(f.buf) > maxMarkerSearch {
				f.seen = true
				return len(p), f.flush()
			}
			return len(p), nil
		}
		line := bytes.TrimSuffix(f.buf[:nl], []byte("\r"))
		switch {
		case bytes.Equal(line, f.start):
			f.seen, f.marker = true, true
		case bytes.Equal(line, f.badPw):
			f.wrongPw = true
		default:
			if f.saidBuf.Len() < maxSudoSaid {
				f.saidBuf.Write(f.buf[:nl+1])
			}
			if err := f.pass(f.buf[:nl+1]); err != nil {
				return len(p), err
			}
		}
		f.buf = f.buf[nl+1:]
	}
	return len(p), f.flush()
}

// flush passes on what is held.
func (f *sudoFilter) flush() error {
	b := f.buf
	f.buf = nil
	return f.pass(b)
}

func (f *sudoFilter) pass(b []byte) error {
	if f.dst == nil || len(b) == 0 {
		return nil
	}
	_, err := f.dst.Write(b)
	return err
}

// finish passes on a last line without a newline.
func (f *sudoFilter) finish() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen {
		return nil
	}
	if f.saidBuf.Len() < maxSudoSaid {
		f.saidBuf.Write(f.buf)
	}
	return f.flush()
}

// started reports whether the root shell ran.
func (f *sudoFilter) started() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.marker
}

// said returns what came before the marker: sudo's messages.
func (f *sudoFilter) said() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saidBuf.String() + string(f.buf)
}

func (f *sudoFilter) wrongPassword() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wrongPw
}
