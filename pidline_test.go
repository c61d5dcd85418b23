package vmconn

import (
	"bytes"
	"strings"
	"testing"
)

func TestPidFilterStripsMarker(t *testing.T) {
	m := string(pidMarker("tok"))
	tests := []struct {
		name   string
		chunks []string
		want   string
		pid    int
	}{
		{"whole", []string{m + "1234\nhello\n"}, "hello\n", 1234},
		{"split", []string{m[:5], m[5:] + "12", "34\nhel", "lo"}, "hello", 1234},
		{"crlf", []string{m + "77\r\nout"}, "out", 77},
		{"noise before", []string{"motd\n", m + "9\nx"}, "motd\nx", 9},
		{"no output", []string{m + "42\n"}, "", 42},
		{"never", []string{"a\nb"}, "a\nb", 0},
		{"binary after", []string{m + "5\n\x00\xff\n"}, "\x00\xff\n", 5},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		f := newPidFilter(&out, "tok")
		for _, c := range tt.chunks {
			if n, err := f.Write([]byte(c)); n != len(c) || err != nil {
				t.Fatalf("%s: Write = %d, %v", tt.name, n, err)
			}
		}
		f.Close()
		if out.String() != tt.want || f.Pid() != tt.pid {
			t.Errorf("%s: got %q pid %d; want %q pid %d", tt.name, out.String(), f.Pid(), tt.want, tt.pid)
		}
	}
}

func TestPidFilterGivesUp(t *testing.T) {
	var out bytes.Buffer
	f := newPidFilter(&out, "tok")
	big := strings.Repeat("x", maxPidSearch+10)
	f.Write([]byte(big))
	f.Write([]byte("tail"))
	if out.String() != big+"tail" {
		t.Errorf("lost bytes: got %d, want %d", out.Len(), len(big)+4)
	}
}

func TestPidFilterOtherToken(t *testing.T) {
	var out bytes.Buffer
	f := newPidFilter(&out, "tok")
	in := string(pidMarker("other")) + "12\n"
	f.Write([]byte(in))
	f.Close()
	if out.String() != in || f.Pid() != 0 {
		t.Errorf("got %q pid %d", out.String(), f.Pid())
	}
}
