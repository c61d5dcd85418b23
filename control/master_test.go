//go:build linux || darwin || freebsd

package control_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/control"
	"github.com/vmconn/vmconn/internal/testenv"
	"github.com/vmconn/vmconn/internal/testkit"
	"github.com/vmconn/vmconn/vmtest"
)

// shared is a master serving one vmtest server's connection.
type shared struct {
	srv    *vmtest.Server
	master *control.Master
	path   string
	key    string
	dials  *atomic.Int32 // connections the master made to the server
	done   chan error    // Serve's result
}

// startShared starts a master for a new vmtest server in a private
// temporary directory.
func startShared(t *testing.T, persist time.Duration) *shared {
	t.Helper()
	srv := testkit.Server(t)
	cfg := testkit.Config(srv)
	var dials atomic.Int32
	cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	up := testkit.Dial(t, srv, cfg)
	dir := privateDir(t)
	s := &shared{srv: srv, path: filepath.Join(dir, "m"), key: control.Key("test", srv.Addr()), dials: &dials, done: make(chan error, 1)}
	s.master = &control.Master{Client: up, Key: s.key, Persist: persist, Target: srv.Addr()}
	ln, err := control.Listen(s.path)
	if err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.master.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		s.master.Stop()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after Stop")
		}
	})
	return s
}

// privateDir is a 0700 temporary directory short enough for a socket.
func privateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vmc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := control.MkdirPrivate(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// client dials a vmconn.Client through the master.
func (s *shared) client(t *testing.T) *vmconn.Client {
	t.Helper()
	d := &control.Dialer{Path: s.path, Key: s.key}
	c, err := vmconn.Dial(testkit.Ctx(t), s.srv.Addr(), d.Config(&vmconn.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestMasterSharesOneConnection runs commands from several clients, at
// once, through one master: output, stderr, stdin, exit status and
// signal come through, on one connection to the machine.
func TestMasterSharesOneConnection(t *testing.T) {
	s := startShared(t, 0)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.client(t)
			var out, errOut bytes.Buffer
			cmd := c.Command(testkit.Ctx(t), `read x; echo "out $x"; echo err >&2; exit 3`)
			cmd.Stdin = strings.NewReader("line\n")
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			var ee *vmconn.ExitError
			if !errors.As(err, &ee) || ee.Status != 3 {
				t.Errorf("client %d: err = %v, want exit status 3", i, err)
			}
			if out.String() != "out line\n" || errOut.String() != "err\n" {
				t.Errorf("client %d: stdout %q stderr %q", i, out.String(), errOut.String())
			}
		}()
	}
	wg.Wait()
	c := s.client(t)
	err := c.Command(testkit.Ctx(t), "kill -TERM $$").Run()
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Signal != "TERM" {
		t.Errorf("signalled command: err = %v, want signal TERM", err)
	}
	if n := s.dials.Load(); n != 1 {
		t.Errorf("master dialed the machine %d times, want 1", n)
	}
	info, err := control.Check(testkit.Ctx(t), s.path, s.key)
	if err != nil {
		t.Fatal(err)
	}
	if info.PID != os.Getpid() || !info.Connected || info.Served < 6 {
		t.Errorf("Check = %+v", info)
	}
}

// TestMasterStreams checks that output arrives while the command runs.
func TestMasterStreams(t *testing.T) {
	s := startShared(t, 0)
	c := s.client(t)
	pr, pw := net.Pipe()
	defer pr.Close()
	ctx, cancel := context.WithCancel(testkit.Ctx(t))
	cmd := c.Command(ctx, "echo first; sleep 30; echo never")
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	_ = pr.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := pr.Read(buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("read %q, %v: want the first line while the command runs", buf, err)
	}
	go func() { _, _ = pr.Read(make([]byte, 64)) }()
	cancel()
	if err := cmd.Wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	pw.Close()
}

// TestMasterLinkLost drops the machine's connection while a command
// streams: the client sees the connection lost (as on a direct one),
// and its next command runs on the master's new connection.
func TestMasterLinkLost(t *testing.T) {
	s := startShared(t, 0)
	c := s.client(t)
	ctx := testkit.Ctx(t)
	cmd := c.Command(ctx, "echo started; sleep 30")
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() bool { return strings.Contains(out.String(), "started") }, "command started")
	s.srv.DropConnections()
	err := cmd.Wait()
	if !errors.Is(err, vmconn.ErrConnLost) {
		t.Fatalf("err = %v, want ErrConnLost", err)
	}
	got, err := c.Output(ctx, "echo again")
	if err != nil || string(got) != "again\n" {
		t.Fatalf("after the loss: %q, %v", got, err)
	}
	if n := s.dials.Load(); n != 2 {
		t.Errorf("master dialed %d times, want 2 (one reconnection)", n)
	}
}

// TestMasterPersist checks that an idle master ends by itself, and
// removes its socket.
func TestMasterPersist(t *testing.T) {
	s := startShared(t, 300*time.Millisecond)
	c := s.client(t)
	if _, err := c.Output(testkit.Ctx(t), "true"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Serve = %v, want nil after the idle time", err)
		}
		s.done <- nil
	case <-time.After(20 * time.Second):
		t.Fatal("idle master still up after 20 s")
	}
	if _, err := os.Lstat(s.path); !os.IsNotExist(err) {
		t.Errorf("socket still there: %v", err)
	}
}

// TestStop checks control.Stop: the master ends and its socket goes,
// before Stop returns (a check right after it finds no master, not one
// on its way out).
func TestStop(t *testing.T) {
	s := startShared(t, 0)
	if err := control.Stop(testkit.Ctx(t), s.path, s.key); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(s.path); !os.IsNotExist(err) {
		t.Errorf("socket still there when Stop returned: %v", err)
	}
	if _, err := control.Check(testkit.Ctx(t), s.path, s.key); !errors.Is(err, control.ErrNoMaster) {
		t.Errorf("Check right after Stop: %v, want ErrNoMaster", err)
	}
	select {
	case <-s.done:
		s.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("master up after Stop")
	}
	if _, err := control.Dial(testkit.Ctx(t), s.path, s.key); !errors.Is(err, control.ErrNoMaster) {
		t.Errorf("Dial after Stop: %v, want ErrNoMaster", err)
	}
}

// TestMismatch: a client with other settings is refused, not served.
func TestMismatch(t *testing.T) {
	s := startShared(t, 0)
	if _, err := control.Dial(testkit.Ctx(t), s.path, control.Key("other")); !errors.Is(err, control.ErrMismatch) {
		t.Errorf("err = %v, want ErrMismatch", err)
	}
}

// TestStaleSocket: a socket nobody answers is removed, and a Dialer's
// Start makes a new master there.
func TestStaleSocket(t *testing.T) {
	dir := privateDir(t)
	path := filepath.Join(dir, "stale")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the socket file stays, with nobody behind it
	if _, err := control.Dial(testkit.Ctx(t), path, "k"); !errors.Is(err, control.ErrStale) {
		t.Fatalf("err = %v, want ErrStale", err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("stale socket not removed: %v", err)
	}
}

// TestListenTwice: the second master at a path gets ErrInUse.
func TestListenTwice(t *testing.T) {
	s := startShared(t, 0)
	if _, err := control.Listen(s.path); !errors.Is(err, control.ErrInUse) {
		t.Errorf("err = %v, want ErrInUse", err)
	}
	if _, err := control.Check(testkit.Ctx(t), s.path, s.key); err != nil {
		t.Errorf("first master hurt: %v", err)
	}
}

// TestUntrustedDir: a directory others may write to is refused.
func TestUntrustedDir(t *testing.T) {
	dir := privateDir(t)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := control.Listen(filepath.Join(dir, "m")); !errors.Is(err, control.ErrUntrusted) {
		t.Errorf("Listen: %v, want ErrUntrusted", err)
	}
	if err := control.MkdirPrivate(dir); !errors.Is(err, control.ErrUntrusted) {
		t.Errorf("MkdirPrivate: %v, want ErrUntrusted", err)
	}
}

// TestPathTooLong gives a clear error, not a truncated socket.
func TestPathTooLong(t *testing.T) {
	long := "/tmp/" + strings.Repeat("x", 120)
	if _, err := control.Listen(long); !errors.Is(err, control.ErrPathTooLong) {
		t.Errorf("Listen: %v", err)
	}
	if _, err := control.Dial(context.Background(), long, "k"); !errors.Is(err, control.ErrPathTooLong) {
		t.Errorf("Dial: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestMasterPTY runs a command on a PTY through the master: the
// terminal request and its size reach the machine.
func TestMasterPTY(t *testing.T) {
	s := startShared(t, 0)
	c := s.client(t)
	cmd := c.Command(testkit.Ctx(t), "test -t 0 && stty size")
	cmd.PTY = &vmconn.PTY{Rows: 33, Cols: 111}
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "33 111") {
		t.Fatalf("PTY through the master: %q, %v", out, err)
	}
}

// TestMasterQuickCommands: commands that end at once, many at a time,
// all get their exec answered through the master (the machine's close
// must not overtake the master's reply to the exec).
func TestMasterQuickCommands(t *testing.T) {
	s := startShared(t, 0)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.client(t)
			for range 75 {
				if _, err := c.BootID(testkit.Ctx(t)); err != nil {
					if failed.Add(1) <= 3 {
						t.Errorf("client %d: BootID: %v", i, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of 300 quick commands failed", n)
	}
}
