package job_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/job"
	"github.com/vmconn/vmconn/vmtest"
)

// FuzzJobCommand: whatever bytes a job's command and Env hold, the job
// runs exactly them: printing a fuzzed word (quoted with ShellQuote) and
// an Env value gives those bytes back on stdout and stderr, and the job
// directory records the command as given. NUL bytes are refused.
func FuzzJobCommand(f *testing.F) {
	for _, s := range []string{"plain", "it's", `"dq" $HOME \back`, "new\nline", "trailing\n\n", "ünï ✓", "\xff\xfe",
		"", "%s %d %%", "-n", `'\''`, "$(id)", "`id`", "a\r\nb", "\x00", "*?[a]", "~", "{a,b}", "!x", "\\\n"} {
		f.Add(s)
	}
	srv := vmtest.NewServer()
	f.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	f.Cleanup(cancel)
	c, err := vmconn.Dial(ctx, srv.Addr(), testkit.Config(srv))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	base := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		command := "printf '%s' " + vmconn.ShellQuote(s) + `; printf '%s' "$V" >&2`
		opts := &job.Options{Dir: base, Env: []string{"V=" + s}}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		j, err := job.Start(ctx, c, command, opts)
		if strings.IndexByte(s, 0) >= 0 {
			if !errors.Is(err, vmconn.ErrConfig) {
				t.Fatalf("Start with a NUL byte: %v; want ErrConfig", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(j.Dir)
		var out, errOut testkit.NotifyBuffer
		if err := j.Follow(ctx, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		if out.String() != s || errOut.String() != s {
			t.Errorf("word %q: stdout %q, stderr %q", s, out.String(), errOut.String())
		}
		if b, err := os.ReadFile(filepath.Join(j.Dir, "command")); err != nil || string(b) != command {
			t.Errorf("recorded command %q, %v; want %q", b, err, command)
		}
	})
}
