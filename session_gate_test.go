package vmconn

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestGate: once shut, the gate keeps a late request's copies away from
// the caller's writers and reader.
func TestGate(t *testing.T) {
	t.Parallel()
	var g gate
	var out bytes.Buffer
	w, r := g.writer(&out), g.reader(strings.NewReader("input"))
	if n, err := w.Write([]byte("before")); n != 6 || err != nil || out.String() != "before" {
		t.Fatalf("open gate: %d, %v, %q", n, err, out.String())
	}
	g.close()
	if n, err := w.Write([]byte("after")); n != 5 || err != nil || out.String() != "before" {
		t.Errorf("shut gate: %d, %v, %q", n, err, out.String())
	}
	if n, err := r.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("shut gate Read = %d, %v; want EOF", n, err)
	}
	if g.writer(nil) != nil || g.reader(nil) != nil {
		t.Error("nil streams must stay nil (x/crypto's defaults)")
	}
}
