package testkit

import (
	"net"
	"sync"
	"testing"

	"github.com/vmconn/vmconn/vmtest"
)

// Loopback listeners that misbehave as dead, hung or foreign services do,
// for the liveness tests (package alive). Each is closed at cleanup, and
// its goroutines joined.

// Tarpit listens on addr ("127.0.0.1:0", "[::1]:0") and accepts
// connections that it holds open and never writes to. It returns the port.
func Tarpit(t testing.TB, network, addr string) int {
	t.Helper()
	return serve(t, network, addr, func(net.Conn) bool { return true })
}

// ReplyAndClose listens on 127.0.0.1 and answers each connection with
// reply, then closes it. It returns the port.
func ReplyAndClose(t testing.TB, reply string) int {
	t.Helper()
	return serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) bool {
		_, _ = c.Write([]byte(reply))
		return false
	})
}

// BannerThenStall listens on 127.0.0.1 and writes banner on each
// connection, then holds it open in silence. It returns the port.
func BannerThenStall(t testing.TB, banner string) int {
	t.Helper()
	return serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) bool {
		_, _ = c.Write([]byte(banner))
		return true
	})
}

// AcceptAndClose accepts on ln until the test ends, closing every
// connection at once.
func AcceptAndClose(t testing.TB, ln net.Listener) {
	serveOn(t, ln, func(net.Conn) bool { return false })
}

// ClosedPort returns a loopback port where nothing listens (every
// connect is refused).
func ClosedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// Blackhole returns a loopback port that silently drops connection
// attempts, as a firewalled or dead host does (vmtest.NewBlackhole).
func Blackhole(t testing.TB) int {
	t.Helper()
	b, err := vmtest.NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Port()
}

// serve listens on addr and hands each connection to handle; see serveOn.
func serve(t testing.TB, network, addr string, handle func(net.Conn) (hold bool)) int {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, handle)
	return ln.Addr().(*net.TCPAddr).Port
}

// serveOn accepts on ln until cleanup, handing each connection to handle
// on the accepting goroutine; a connection it holds stays open until
// cleanup, the others are closed at once.
func serveOn(t testing.TB, ln net.Listener, handle func(net.Conn) (hold bool)) {
	var mu sync.Mutex
	var held []net.Conn
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !handle(c) {
				c.Close()
				continue
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range held {
			c.Close()
		}
	})
}
