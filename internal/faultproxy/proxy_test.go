package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vmconn/vmconn/internal/testenv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// echoServer echoes every connection until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func newProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

func TestForwards(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	msg := bytes.Repeat([]byte("0123456789"), 10000)
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo through proxy: %v", err)
	}
	if acc, cuts := p.Stats(); acc != 1 || cuts != 0 {
		t.Errorf("Stats = %d, %d", acc, cuts)
	}
}

func TestCut(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	c.Write([]byte("x"))
	io.ReadFull(c, make([]byte, 1))
	if n := p.Cut(); n != 1 {
		t.Errorf("Cut = %d", n)
	}
	_, err := c.Read(make([]byte, 1))
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("read after cut: %v; want a reset", err)
	}
	if cuts := waitCuts(p, 1); cuts != 1 {
		t.Errorf("cuts = %d", cuts)
	}
}

func waitCuts(p *Proxy, want int) int {
	testenv.Poll(time.Second, func() bool { _, cuts := p.Stats(); return cuts >= want })
	_, cuts := p.Stats()
	return cuts
}

// TestCutAfter: the budget counts both directions; the connection ends
// after exactly that many bytes.
func TestCutAfter(t *testing.T) {
	p := newProxy(t)
	p.CutAfter(func() int64 { return 1500 })
	c := dial(t, p)
	c.Write(bytes.Repeat([]byte("a"), 1000))
	n, err := io.Copy(io.Discard, c)
	// 1000 bytes went up, so at most 500 may come back before the cut
	// (a reset may discard some of them).
	if n > 500 || err == nil {
		t.Errorf("read %d bytes back, then %v", n, err)
	}
	if waitCuts(p, 1) != 1 {
		t.Error("not counted as cut")
	}
	p.CutAfter(nil)
	c2 := dial(t, p)
	c2.Write([]byte("after"))
	if _, err := io.ReadFull(c2, make([]byte, 5)); err != nil {
		t.Errorf("without budget: %v", err)
	}
}

func TestRefuse(t *testing.T) {
	p := newProxy(t)
	p.Refuse(true)
	if c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second); err == nil {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("refused connection readable")
		}
		c.Close()
	}
	p.Refuse(false)
	c2 := dial(t, p)
	c2.Write([]byte("y"))
	if _, err := io.ReadFull(c2, make([]byte, 1)); err != nil {
		t.Errorf("after Refuse(false): %v", err)
	}
}

func TestStall(t *testing.T) {
	p := newProxy(t)
	c := dial(t, p)
	p.Stall(true)
	c.Write([]byte("held"))
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 4)); n != 0 || err == nil {
		t.Fatalf("read %d bytes while stalled (%v)", n, err)
	}
	p.Stall(false)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "held" {
		t.Errorf("after the stall: %q, %v", got, err)
	}
}

// TestCloseWhileStalled: Close ends stalled connections and returns.
func TestCloseWhileStalled(t *testing.T) {
	p, err := New(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	p.Stall(true)
	c.Write([]byte("z"))
	time.Sleep(20 * time.Millisecond)
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a stalled connection")
	}
	p.Close()
}
