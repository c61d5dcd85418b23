//go:build linux

package netns

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Host is one test host: a network namespace with an interface eth0 on
// the lab's bridge. Its methods are safe for concurrent use.
type Host struct {
	Name string     // as given to AddHost
	NS   string     // the namespace's name, for "ip netns exec"
	IPv4 netip.Addr // 192.0.2.N
	IPv6 netip.Addr // 2001:db8::N

	lab *Lab
}

// Command returns a command that runs argv inside the host's namespace
// (through "ip netns exec"). The caller runs and waits for it.
func (h *Host) Command(ctx context.Context, argv ...string) *exec.Cmd {
	return exec.CommandContext(ctx, h.lab.ip, append([]string{"netns", "exec", h.NS}, argv...)...)
}

// Exec runs argv inside the host's namespace and returns its combined
// output.
func (h *Host) Exec(ctx context.Context, argv ...string) ([]byte, error) {
	out, err := h.Command(ctx, argv...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("netns: %s on host %s: %w", strings.Join(argv, " "), h.Name, err)
	}
	return out, nil
}

// Start starts argv inside the host's namespace in the background; the
// lab kills it (and its process group) and waits for it on cleanup. Its
// output goes to the returned Output.
func (h *Host) Start(argv ...string) *Process {
	h.lab.tb.Helper()
	p := &Process{done: make(chan struct{})}
	p.cmd = exec.Command(h.lab.ip, append([]string{"netns", "exec", h.NS}, argv...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		h.lab.tb.Fatalf("netns: starting %s on host %s: %v", argv[0], h.Name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	h.lab.onCleanup(p.Kill)
	return p
}

// Process is a command started by Host.Start.
type Process struct {
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{} // closed when the process has been waited for
	err  error         // its exit error; read after done
}

// Kill kills the process's group and waits for it. It is idempotent.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// Exited reports whether the process has ended, and its error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Output returns what the process wrote so far to stdout and stderr.
func (p *Process) Output() string { return p.out.String() }

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Nft loads an nft ruleset (see DropAll, DropTCP, OnlyTCP) into the
// host's namespace, failing the test if nft rejects it.
func (h *Host) Nft(ruleset string) {
	h.lab.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := h.Command(ctx, lookTool("nft"), "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		h.lab.tb.Fatalf("netns: nft on host %s: %v: %s\nruleset:\n%s", h.Name, err, out, ruleset)
	}
}

// Do runs fn on an OS thread switched into the host's namespace. Sockets
// that fn creates itself (net.Listen, net.Dial) belong to the host's
// namespace for their whole life; goroutines that fn starts do not run in
// it. The thread is switched back before it is reused.
func (h *Host) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // unlocked only if switched back
		errc <- h.doLocked(fn)
	}()
	return <-errc
}

func (h *Host) doLocked(fn func() error) error {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + h.NS)
	if err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns: entering %s: %w", h.NS, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err == nil {
		runtime.UnlockOSThread()
	} // else the thread ends with this goroutine, still locked
	return ferr
}

// Listen opens a listener inside the host's namespace (network "tcp",
// "tcp4" or "tcp6"; address like ":443"). The lab closes it on cleanup.
func (h *Host) Listen(network, addr string) net.Listener {
	h.lab.tb.Helper()
	var ln net.Listener
	err := h.Do(func() (err error) {
		ln, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		h.lab.tb.Fatalf("netns: listening on %s %s on host %s: %v", network, addr, h.Name, err)
	}
	h.lab.onCleanup(func() { ln.Close() })
	return ln
}

// Dial connects from inside the host's namespace, bounded by ctx.
func (h *Host) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := h.Do(func() (err error) {
		c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
		return err
	})
	return c, err
}
