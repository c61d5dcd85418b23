//go:build linux

package qemuvm_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/qemuvm"
)

// testTimeout bounds each test's calls, and reconnectTimeout a
// reconnection (Config.ReconnectTimeout): a boot under TCG on a busy
// machine may take minutes, though about 10 s on a quiet one.
const (
	testTimeout      = 8 * time.Minute
	reconnectTimeout = 5 * time.Minute
)

// Keepalive settings of the reboot tests: a half-open link is noticed
// after about interval x (countMax+1).
const (
	keepaliveInterval = 2 * time.Second
	keepaliveCountMax = 3
)

// keepaliveBound is when a half-open link must have been noticed; slack
// covers a busy machine's scheduling.
const keepaliveBound = keepaliveInterval*(keepaliveCountMax+1) + 5*time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// config returns a Config that logs in to vm as root, trusting only its
// host key, with short keepalives.
func config(vm *qemuvm.VM, events *eventLog) *vmconn.Config {
	return &vmconn.Config{
		User:              vm.User,
		IdentityFiles:     []string{vm.ClientKeyFile},
		KnownHostsFiles:   []string{vm.KnownHostsFile},
		NoAgent:           true,
		KeepaliveInterval: keepaliveInterval,
		KeepaliveCountMax: keepaliveCountMax,
		ReconnectTimeout:  reconnectTimeout,
		OnEvent:           events.add,
	}
}

// dial connects to vm and closes the client at cleanup.
func dial(t *testing.T, vm *qemuvm.VM, cfg *vmconn.Config) *vmconn.Client {
	t.Helper()
	c, err := vmconn.Dial(testCtx(t), vm.Addr, cfg)
	if err != nil {
		t.Fatalf("Dial %s: %v", vm.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// background runs f in a goroutine that t's cleanup waits for.
func background(t *testing.T, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	t.Cleanup(func() { <-done })
}

// rebootGuest runs "reboot -f" in the guest, in the background: the
// command never ends by itself, its connection is lost (its error is
// expected and ignored).
func rebootGuest(t *testing.T, c *vmconn.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	background(t, func() {
		defer cancel()
		_ = c.Command(ctx, "reboot -f").Run()
	})
}

// eventLog collects a client's events; a nil *eventLog collects none.
type eventLog struct {
	mu     sync.Mutex
	events []vmconn.Event
}

func (l *eventLog) add(e vmconn.Event) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// all returns the events of type typ.
func (l *eventLog) all(typ vmconn.EventType) []vmconn.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []vmconn.Event
	for _, e := range l.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// lineWriter records the output and when each line arrived, and calls
// on (once) for the first line equal to trigger.
type lineWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	on      func()
	fired   bool
	at      map[string]time.Time
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.at == nil {
		w.at = make(map[string]time.Time)
	}
	for _, line := range strings.Split(w.buf.String(), "\n") {
		if _, seen := w.at[line]; !seen && line != "" {
			w.at[line] = time.Now()
			if line == w.trigger && !w.fired && w.on != nil {
				w.fired = true
				w.on()
			}
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// seen returns when line arrived (zero if it did not).
func (w *lineWriter) seen(line string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.at[line]
}
