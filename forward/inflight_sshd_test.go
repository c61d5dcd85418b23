package forward_test

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/vmconn/vmconn/forward"
	"github.com/vmconn/vmconn/internal/testkit"
)

// TestLocalInFlightEndsWithError: a connection carried by a local
// forward when the link is cut ends with an error (a reset), not a hang
// and not a clean end of stream.
func TestLocalInFlightEndsWithError(t *testing.T) {
	t.Parallel()
	s, c := dialSSHD(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // echo, holding each connection open
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer conn.Close(); io.Copy(conn, conn) }()
		}
	}()
	f, err := forward.Local(testkit.Ctx(t), c, "127.0.0.1:0", ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	closeF(t, f)
	conn, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	buf := make([]byte, 4)
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatalf("echo before the cut: %v", err)
	}
	s.KillConnections(t)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = conn.Read(buf)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after the cut: %v; want an error (a reset), at once", err)
	}
	t.Logf("read after the cut: %v", err)
}
