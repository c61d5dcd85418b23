package vmconn

import (
	"bytes"
	"io"
	"testing"
)

// TestCappedBufferIOCopy: io.Copy must go through the capped Write, not a
// ReadFrom that would hold everything.
func TestCappedBufferIOCopy(t *testing.T) {
	t.Parallel()
	b := &cappedBuffer{max: 64 << 10}
	src := io.LimitReader(neverEnding('x'), 10<<20)
	n, err := io.Copy(b, src)
	if err != nil || n != 10<<20 {
		t.Fatalf("io.Copy = %d, %v; want all 10 MiB consumed", n, err)
	}
	if got := len(b.Bytes()); got != 64<<10 {
		t.Fatalf("kept %d bytes; want 64 KiB", got)
	}
	if _, ok := io.Writer(b).(io.ReaderFrom); ok {
		t.Error("cappedBuffer has a ReadFrom method: io.Copy would bypass the cap")
	}
	if !bytes.Equal(b.Bytes(), bytes.Repeat([]byte("x"), 64<<10)) {
		t.Error("kept bytes differ from the first ones written")
	}
}

// neverEnding is an endless reader of one byte.
type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
