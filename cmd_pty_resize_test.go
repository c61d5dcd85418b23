package vmconn_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testenv"
)

// TestResize: a window change sent after Start reaches the command's
// terminal, as a later "stty size" shows.
func TestResize(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	cmd := c.Command(testCtx(t), `stty size; read x; stty size`)
	cmd.PTY = &vmconn.PTY{Rows: 20, Cols: 70}
	in, w := io.Pipe()
	defer w.Close()
	out := &syncWriter{}
	cmd.Stdin, cmd.Stdout = in, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, func() bool { return strings.Contains(out.String(), "20 70") }, "first stty size in %q", out)
	if err := cmd.Resize(33, 101); err != nil {
		t.Fatalf("Resize: %v", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if got := out.String(); !strings.Contains(got, "33 101") {
		t.Errorf("output %q does not show the new size", got)
	}
}

// TestResizeMisuse: Resize needs a started command with a PTY.
func TestResizeMisuse(t *testing.T) {
	t.Parallel()
	c := dialTest(t, newServer(t), nil)
	cmd := c.Command(testCtx(t), "true")
	if err := cmd.Resize(10, 10); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("Resize before Start = %v; want ErrConfig", err)
	}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Resize(10, 10); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("Resize without a PTY = %v; want ErrConfig", err)
	}
}
