package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestErrorPrefixOnce: the CLI's messages say "vmconn: " once, also when
// they wrap a library error that has its own.
func TestErrorPrefixOnce(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cliRun(t, append(append([]string{"cp"}, flags...), "-p", strconv.Itoa(srv.Port()), srv.Host()+":"+file+".missing", file+".back")...)
	t.Logf("cp: exit %d, %q", code, stderr)
	var b strings.Builder
	code2 := exitCodeTo(&b, errors.New("vmconn: bad address \"x\""))
	for _, msg := range []string{stderr, b.String()} {
		if strings.Count(msg, "vmconn: ") != 1 {
			t.Errorf("%q: want \"vmconn: \" once", msg)
		}
	}
	if code == 0 || code2 == 0 {
		t.Errorf("exit %d, %d; want failures", code, code2)
	}
}
