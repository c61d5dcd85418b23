package envelope

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/internal/shell"
)

// TestReadHeaderFromRoundTrip: what Header writes, ReadHeaderFrom and
// ParseExports read back, leaving the rest of the stream untouched.
func TestReadHeaderFromRoundTrip(t *testing.T) {
	t.Parallel()
	want := []string{"A=plain", "B=it's \"quoted\"; $HOME \\ %s", "C=", "D=" + strings.Repeat("long ", 300), "E=line\nbreak\ttab é"}
	var script strings.Builder
	for _, kv := range want {
		name, value, _ := strings.Cut(kv, "=")
		script.WriteString("export " + name + "=" + shell.Quote(value) + "; ")
	}
	header := Header(script.String())
	r := bufio.NewReader(io.MultiReader(bytes.NewReader(header), strings.NewReader("stdin after")))
	got, raw, err := ReadHeaderFrom(r)
	if err != nil || got != script.String() || !bytes.Equal(raw, header) {
		t.Fatalf("ReadHeaderFrom = %q, %d bytes, %v; want %q", got, len(raw), err, script.String())
	}
	env, err := ParseExports(got)
	if err != nil || !slices.Equal(env, want) {
		t.Errorf("ParseExports = %q, %v; want %q", env, err, want)
	}
	if rest, _ := io.ReadAll(r); string(rest) != "stdin after" {
		t.Errorf("rest of stdin = %q", rest)
	}
}

// TestReadHeaderFromRefuses: a header cut short, one with control bytes
// outside the printf form, a printf form not closed, and a script that
// is not exports, are errors.
func TestReadHeaderFromRefuses(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"export A=1; \n", "bad\x01ctl\n\n", "eval \"$(printf 'x\n\n"} {
		if _, _, err := ReadHeaderFrom(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("ReadHeaderFrom(%q): no error", in)
		}
	}
	for _, script := range []string{"echo hi; ", "export A='open; ", "export =x; ", "export A=1"} {
		if _, err := ParseExports(script); err == nil {
			t.Errorf("ParseExports(%q): no error", script)
		}
	}
}
