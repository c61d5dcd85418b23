package vmconn

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestSudoGate: the password goes out once, only after sudo's prompt;
// a second prompt ends the input; the start marker releases Stdin; the
// prompts and markers never reach the caller's writer.
func TestSudoGate(t *testing.T) {
	t.Parallel()
	const tok = "ab-1"
	tests := []struct {
		name   string
		server []string // what the server writes, in order, each after a Read
		input  string   // what the gate must give in total
		said   string   // what reaches the caller's writer
		asked  int
	}{
		{"asked, started", []string{"lecture\n" + sudoPrompt(tok), "\r\n" + sudoMarker(tok) + "\nout"}, "pw\nhdr+stdin", "lecture\nout", 1},
		{"not asked (NOPASSWD)", []string{sudoMarker(tok) + "\n"}, "hdr+stdin", "", 0},
		{"wrong password", []string{sudoPrompt(tok), "\nSorry, try again.\n" + sudoPrompt(tok)}, "pw\n", "Sorry, try again.\n", 2},
	}
	for _, tt := range tests {
		g := newSudoGate("pw", strings.NewReader("hdr+stdin"))
		var dst bytes.Buffer
		f := newSudoFilter(tok, g)
		f.dst = &dst
		var got []byte
		buf := make([]byte, 64)
		for _, chunk := range tt.server {
			f.Write([]byte(chunk))
			n, _ := g.Read(buf)
			got = append(got, buf[:n]...)
		}
		g.close()
		rest, _ := io.ReadAll(g)
		got = append(got, rest...)
		f.finish()
		if string(got) != tt.input || dst.String() != tt.said || f.asked() != tt.asked {
			t.Errorf("%s: input %q (want %q), said %q (want %q), asked %d", tt.name, got, tt.input, dst.String(), tt.said, f.asked())
		}
	}
}

// TestSudoMisuse: Sudo refuses Raw and a password that would end early,
// before anything runs.
func TestSudoMisuse(t *testing.T) {
	t.Parallel()
	c := &Client{token: "t", slots: make(chan struct{}, 1)}
	for name, cmd := range map[string]*Cmd{
		"raw":      {Command: "true", Raw: true, Sudo: &Sudo{}},
		"password": {Command: "true", Sudo: &Sudo{Password: "a\nb"}},
	} {
		cmd.client, cmd.ctx = c, context.Background()
		if err := cmd.Start(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Start = %v; want ErrConfig", name, err)
		}
	}
}
