//go:build linux

package quickack

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"
)

// TestWrapData: every byte arrives in order through the wrapper,
// in reads large and small, past the budget, and Close passes through.
func TestWrapData(t *testing.T) {
	c, s := tcpPair(t)
	w := Wrap(c)
	want := make([]byte, 3*budget+12345)
	_, _ = rand.Read(want)
	go func() {
		for off := 0; off < len(want); off += 1000 {
			if _, err := s.Write(want[off:min(off+1000, len(want))]); err != nil {
				return
			}
		}
		s.Close()
	}()
	var got bytes.Buffer
	small := make([]byte, 7)
	for got.Len() < budget/2 { // small reads during the budget
		n, err := w.Read(small)
		got.Write(small[:n])
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := io.Copy(&got, w); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("read %d bytes, not the %d written", got.Len(), len(want))
	}
	if q, ok := w.(*conn); ok && q.left.Load() > 0 {
		t.Errorf("budget not spent after %d bytes: %d left", got.Len(), q.left.Load())
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
