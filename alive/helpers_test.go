package vmconn_test

import (
	"net"
	"sync"
	"testing"

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
// attempts, as a firewalled or dead host does (vmtest.NewBlackhole).
func aliveBlackhole(t testing.TB) int {
	b, err := vmtest.NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Port()
}
