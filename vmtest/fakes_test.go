package vmtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/testenv"
)

// vmconnClient dials s with s.Config; the test closes it when it ends.
func vmconnClient(t *testing.T, s *Server) *vmconn.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := vmconn.Dial(ctx, s.Addr(), s.Config())
	if err != nil {
		t.Fatalf("vmconn.Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testCtx returns a context that ends after 20s or with the test.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestFakesAnswerAptGet: a table answers apt-get without running it,
// sees Cmd.Env and Cmd.Stdin, refuses what it does not know, and
// records every call.
func TestFakesAnswerAptGet(t *testing.T) {
	t.Parallel()
	fakes := &Fakes{Fallback: Refuse}
	fakes.Handle("apt-get install -y nginx", Fake{Stdout: "Setting up nginx\n", ReadStdin: true})
	fakes.HandleRegexp(`^apt-get `, Fake{Stderr: "E: Unable to locate package\n", Status: 100})
	fakes.HandleFunc("touch $HOME/ran", func(c *Command) Exit { return Exit{Status: 3} })
	s := newTestServer(t, Options{Handler: fakes})
	c := vmconnClient(t, s)
	ctx := testCtx(t)

	cmd := c.Command(ctx, "apt-get install -y nginx")
	cmd.Env = []string{"DEBIAN_FRONTEND=noninteractive", "QUOTED=it's \"here\"\n"}
	cmd.Stdin = strings.NewReader("yes\n")
	if out, err := cmd.Output(); err != nil || string(out) != "Setting up nginx\n" {
		t.Errorf("apt-get install: %q, %v", out, err)
	}
	_, err := c.Output(ctx, "apt-get install -y nosuch")
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != 100 || !strings.Contains(string(ee.Stderr), "Unable to locate") {
		t.Errorf("apt-get nosuch: %v", err)
	}
	if err := c.Command(ctx, "touch $HOME/ran").Run(); !errors.As(err, &ee) || ee.Status != 3 {
		t.Errorf("touch: %v, want status 3", err)
	}
	if _, err := os.Stat(filepath.Join(s.Home(), "ran")); err == nil {
		t.Error("a faked command ran in the shell")
	}
	if _, err := c.Output(ctx, "echo hi"); !errors.As(err, &ee) || ee.Status != 127 || !strings.Contains(string(ee.Stderr), "refused") {
		t.Errorf("unfaked command: %v, want refused with 127", err)
	}

	calls := fakes.Calls()
	wantLines := []string{"apt-get install -y nginx", "apt-get install -y nosuch", "touch $HOME/ran", "echo hi"}
	if !slices.Equal(fakes.Lines(), wantLines) {
		t.Fatalf("calls %q, want %q", fakes.Lines(), wantLines)
	}
	if e := calls[0].Env; e["DEBIAN_FRONTEND"] != "noninteractive" || e["QUOTED"] != "it's \"here\"\n" {
		t.Errorf("Env %q", e)
	}
	if calls[0].Stdin != "yes\n" || !calls[0].Faked || !calls[1].Faked || calls[3].Faked {
		t.Errorf("calls %+v", calls)
	}
}

// TestFakesFallBackToShell: unmatched commands run in the real shell,
// Env header and stdin intact, also after a Handler has looked at Env.
func TestFakesFallBackToShell(t *testing.T) {
	t.Parallel()
	fakes := &Fakes{}
	var seen string
	wrap := HandlerFunc(func(c *Command) Exit {
		seen = c.Env["GREETING"]
		return fakes.ServeCommand(c)
	})
	s := newTestServer(t, Options{Handler: wrap})
	c := vmconnClient(t, s)
	cmd := c.Command(testCtx(t), `printf '%s/' "$GREETING" "$HOME"; cat`)
	cmd.Env = []string{"GREETING=hello world"}
	cmd.Stdin = strings.NewReader("from stdin")
	out, err := cmd.Output()
	if want := "hello world/" + s.Home() + "/from stdin"; err != nil || string(out) != want {
		t.Errorf("output %q, %v; want %q", out, err, want)
	}
	if calls := fakes.Calls(); seen != "hello world" || len(calls) != 1 || calls[0].Faked || calls[0].Env["GREETING"] != "hello world" {
		t.Errorf("handler saw %q; calls %+v", seen, calls)
	}
}

// TestFakeFaults: each Fault reaches a vmconn client as the fault it
// stands for.
func TestFakeFaults(t *testing.T) {
	t.Parallel()
	fakes := &Fakes{Fallback: Refuse}
	fakes.Handle("nostatus", Fake{Stdout: "partial\n", Fault: NoExitStatus})
	fakes.Handle("killed", Fake{Signal: "TERM"})
	fakes.Handle("drop", Fake{Fault: DropConnection})
	fakes.Handle("reboot-it", Fake{Fault: RebootMachine})
	s := newTestServer(t, Options{Handler: fakes})
	ctx := testCtx(t)
	c := vmconnClient(t, s)

	out, err := c.Output(ctx, "nostatus")
	if !errors.Is(err, vmconn.ErrNoExitStatus) || string(out) != "partial\n" {
		t.Errorf("NoExitStatus: %q, %v", out, err)
	}
	var ee *vmconn.ExitError
	if err := c.Command(ctx, "killed").Run(); !errors.As(err, &ee) || ee.Signal != "TERM" {
		t.Errorf("Signal: %v", err)
	}
	other := vmconnClient(t, s)
	if err := c.Command(ctx, "drop").Run(); !errors.Is(err, vmconn.ErrNoExitStatus) {
		t.Errorf("DropConnection: %v", err)
	}
	if err := other.Command(ctx, "killed").Run(); !errors.As(err, &ee) {
		t.Errorf("other connection after DropConnection: %v", err)
	}
	before := s.BootID()
	c.Command(ctx, "reboot-it").Run()
	if s.Reboots() != 1 || s.BootID() == before {
		t.Errorf("RebootMachine: %d reboots, boot id %s -> %s", s.Reboots(), before, s.BootID())
	}
}

// TestFakeHangAndDelayEndOnSignal: a hanging or slow fake ends with
// exit-signal when the client signals it, and a hanging one ends when
// the client closes the channel.
func TestFakeHangAndDelayEndOnSignal(t *testing.T) {
	t.Parallel()
	fakes := &Fakes{Fallback: Refuse}
	fakes.Handle("hang", Fake{Fault: Hang})
	fakes.Handle("slow", Fake{Delay: time.Hour, Stdout: "never"})
	s := newTestServer(t, Options{Handler: fakes})
	c := dial(t, s)
	for _, line := range []string{"hang", "slow"} {
		st := startCmd(t, c, line)
		testenv.Eventually(t, 5*time.Second, func() bool { return slices.Contains(fakes.Lines(), line) }, "%s not received", line)
		if err := st.sess.Signal("INT"); err != nil {
			t.Fatal(err)
		}
		if ee := exitError(t, st.waitResult(t)); ee.Signal() != "INT" {
			t.Errorf("%s: signal %q, want INT", line, ee.Signal())
		}
	}
	st := startCmd(t, c, "hang")
	testenv.Eventually(t, 5*time.Second, func() bool { return len(fakes.Calls()) == 3 }, "third call not received")
	st.sess.Close()
	vc := vmconnClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := vc.Command(ctx, "hang").Run(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("vmconn on a hanging fake: %v, want its context's end", err)
	}
}

// TestFakeStallServer: StallServer stalls the server before the exit
// status goes out; Stall(false) lets it through.
func TestFakeStallServer(t *testing.T) {
	t.Parallel()
	fakes := &Fakes{Fallback: Refuse}
	fakes.Handle("stall", Fake{Stdout: "out\n", Fault: StallServer})
	s := newTestServer(t, Options{Handler: fakes})
	c := dial(t, s)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	done := make(chan error, 1)
	go func() { done <- sess.Run("stall") }()
	testenv.Eventually(t, 5*time.Second, func() bool {
		select {
		case <-s.gate.passable():
			return false
		default:
			return true
		}
	}, "server not stalled")
	s.Stall(false)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after Stall(false): %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("command did not end after Stall(false)")
	}
}
