package quickack

import (
	"net"
	"runtime"
	"testing"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestWrapLeavesOthersAlone(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if got := Wrap(a); got != a {
		t.Errorf("Wrap(pipe) = %T, want the pipe itself", got)
	}
	c, _ := tcpPair(t)
	w := Wrap(c)
	if again := Wrap(w); again != w {
		t.Errorf("Wrap twice wrapped again: %T", again)
	}
	_, wrapped := w.(*net.TCPConn)
	if wrapped == (runtime.GOOS == "linux") {
		t.Errorf("on %s Wrap(tcp) = %T", runtime.GOOS, w)
	}
}
