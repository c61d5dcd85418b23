package control

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// The run protocol's frames, after its greeting: a type byte, a 4-byte
// big-endian length, and the payload.
const (
	frameRequest  = 'R' // client: the command (runRequest, see run_wire.go)
	frameStdin    = 'i' // client: stdin bytes
	frameStdinEOF = 'z' // client: stdin ended
	frameCancel   = 'c' // client: stop the command (the master replies with its exit)
	frameAck      = 'a' // master: one stdin frame was handed to the command
	frameStdout   = 'o' // master: stdout bytes
	frameStderr   = 'e' // master: stderr bytes
	frameExit     = 'x' // master: how the command ended (runExit as JSON); the last frame
)

const (
	frameMax      = 256 << 10 // largest payload either side accepts (a request holds a command line of up to 128 KiB)
	frameChunk    = 32 << 10  // largest payload either side sends
	stdinInFlight = 8         // stdin frames a client sends before an ack
)

// frameConn reads and writes frames; writes may come from several
// goroutines.
type frameConn struct {
	r  io.Reader
	mu sync.Mutex
	w  io.Writer
}

// read returns the next frame. The payload is a new slice.
func (c *frameConn) read() (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > frameMax {
		return 0, nil, fmt.Errorf("control: frame of %d bytes (at most %d)", n, frameMax)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.r, p); err != nil {
		return 0, nil, noEOF(err)
	}
	return h[0], p, nil
}

// write sends one frame of at most frameMax bytes, in one write.
func (c *frameConn) write(typ byte, p []byte) error {
	b := frame(typ, p)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.w.Write(b)
	return err
}

// frame encodes one frame.
func frame(typ byte, p []byte) []byte {
	b := make([]byte, 5+len(p))
	b[0] = typ
	binary.BigEndian.PutUint32(b[1:], uint32(len(p)))
	copy(b[5:], p)
	return b
}

// writer returns an io.Writer that sends what is written as frames of typ.
func (c *frameConn) writer(typ byte) io.Writer { return frameWriter{c, typ} }

type frameWriter struct {
	c   *frameConn
	typ byte
}

func (w frameWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), frameChunk)
		if err := w.c.write(w.typ, p[:k]); err != nil {
			return n, err
		}
		n, p = n+k, p[k:]
	}
	return n, nil
}

// noEOF makes an EOF inside a frame an unexpected one.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
