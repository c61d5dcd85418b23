package vmconn_test

import (
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// aliveServer starts a vmtest server closed at the end of the test.
func aliveServer(t testing.TB) *vmtest.Server {
	s := vmtest.NewServer()
	t.Cleanup(s.Close)
	return s
}

// aliveConfig logs in to s with its client key and known_hosts file.
func aliveConfig(s *vmtest.Server) *vmconn.Config {
	return &vmconn.Config{
		User:            s.User(),
		Signers:         []ssh.Signer{s.ClientSigner()},
		KnownHostsFiles: []string{s.KnownHostsFile()},
		NoAgent:         true,
	}
}

// aliveLayer returns the result of the probe of target ("ssh/22",
// "tcp/443", "icmp"), failing the test if there is none.
func aliveLayer(t testing.TB, r *vmconn.AliveResult, target string) vmconn.LayerResult {
	t.Helper()
	for _, l := range r.Layers {
		if l.Target == target {
			return l
		}
	}
	t.Fatalf("no result for %s in %+v", target, r.Layers)
	return vmconn.LayerResult{}
}

// aliveTarpit listens on addr and accepts connections that it holds open
// and never writes to, until the test ends. It returns the port.
func aliveTarpit(t testing.TB, network, addr string) int {
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
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
	return ln.Addr().(*net.TCPAddr).Port
}

// aliveServeOnce listens on 127.0.0.1 and answers each connection with
// reply, then closes it. It returns the port.
func aliveServeOnce(t testing.TB, reply string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(reply))
			c.Close()
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().(*net.TCPAddr).Port
}

// aliveClosedPort returns a loopback port where nothing listens (every
// connect is refused).
func aliveClosedPort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// aliveBlackhole returns a loopback port that silently drops connection
// attempts, as a firewalled or dead host does: a listener with a backlog
// of zero whose accept queue is kept full and never accepted from, so the
// kernel drops every further SYN. No root and no firewall rule needed.
func aliveBlackhole(t testing.TB) int {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	filler, err := net.DialTimeout("tcp", addr, time.Second) // fills the queue
	if err != nil {
		t.Fatalf("filling the blackhole's queue: %v", err)
	}
	t.Cleanup(func() { filler.Close() })
	if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		c.Close()
		t.Fatal("blackhole port accepted a connection")
	}
	return port
}
