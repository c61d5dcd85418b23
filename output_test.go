package vmconn

import (
	"fmt"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	t.Parallel()
	var got []string
	l := NewLines(func(s Stream, line []byte) { got = append(got, fmt.Sprintf("%s:%s", s, line)) })
	io1, io2 := l.Stdout(), l.Stderr()
	io1.Write([]byte("a1\na"))
	io2.Write([]byte("e1\n"))
	io1.Write([]byte("2\n"))
	io2.Write([]byte("tail"))
	io1.Write([]byte("\n"))
	l.Close()
	l.Close()
	want := []string{"stdout:a1", "stderr:e1", "stdout:a2", "stdout:", "stderr:tail"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestLinesBoundsMemory(t *testing.T) {
	t.Parallel()
	var pieces, total int
	l := NewLines(func(_ Stream, line []byte) {
		pieces++
		total += len(line)
		if len(line) > MaxLineLength {
			t.Fatalf("line of %d bytes", len(line))
		}
	})
	chunk := []byte(strings.Repeat("x", 10000))
	for range 100 {
		l.Stdout().Write(chunk)
	}
	l.Close()
	if total != 1000000 {
		t.Errorf("got %d bytes, want 1000000", total)
	}
}
