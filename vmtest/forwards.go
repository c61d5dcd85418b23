package vmtest

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Port forwarding, as sshd does it, restricted to loopback: "direct-tcpip"
// channels (ssh -L, -D) may reach only loopback addresses, and
// "tcpip-forward" requests (ssh -R) may listen only on loopback.

// tcpipPayload is the payload of a direct-tcpip or forwarded-tcpip
// channel open (RFC 4254, 7.2).
type tcpipPayload struct {
	Addr       string
	Port       uint32
	OriginAddr string
	OriginPort uint32
}

// loopbackHost maps a host a client names to a loopback address, or "".
func loopbackHost(h string) string {
	if h == "" || h == "localhost" {
		return "127.0.0.1"
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return ip.String()
	}
	return ""
}

// directTCPIP serves a direct-tcpip channel: it connects to the loopback
// address asked for and copies both ways.
func (s *Server) directTCPIP(nc ssh.NewChannel) {
	var p tcpipPayload
	if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
		nc.Reject(ssh.ConnectionFailed, "bad direct-tcpip payload")
		return
	}
	host := loopbackHost(p.Addr)
	if host == "" {
		nc.Reject(ssh.Prohibited, "vmtest forwards to loopback addresses only")
		return
	}
	conn, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(p.Port))))
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		conn.Close()
		return
	}
	s.wg.Go(func() { ssh.DiscardRequests(reqs) })
	s.wg.Go(func() { s.splice(ch, conn) })
}

// splice copies between ch and conn until both directions end.
func (s *Server) splice(ch ssh.Channel, conn net.Conn) {
	defer ch.Close()
	defer conn.Close()
	var wg sync.WaitGroup
	wg.Go(func() {
		io.Copy(ch, conn)
		ch.CloseWrite()
	})
	io.Copy(conn, ch)
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	wg.Wait()
}

// remoteForwards are one connection's tcpip-forward listeners.
type remoteForwards struct {
	s      *Server
	conn   ssh.Conn
	mu     sync.Mutex
	closed bool
	lns    map[string]net.Listener // by "host:port" as the client named it
}

func newRemoteForwards(s *Server, conn ssh.Conn) *remoteForwards {
	return &remoteForwards{s: s, conn: conn, lns: map[string]net.Listener{}}
}

// forwardRequest is the payload of tcpip-forward and cancel-tcpip-forward.
type forwardRequest struct {
	Addr string
	Port uint32
}

// handle answers a tcpip-forward or cancel-tcpip-forward request; it
// reports false for other requests.
func (rf *remoteForwards) handle(req *ssh.Request) bool {
	var fr forwardRequest
	switch req.Type {
	case "tcpip-forward":
		if ssh.Unmarshal(req.Payload, &fr) != nil {
			return false
		}
		port, err := rf.listen(fr)
		if err != nil {
			return false
		}
		if req.WantReply {
			req.Reply(true, ssh.Marshal(struct{ Port uint32 }{port}))
		}
		return true
	case "cancel-tcpip-forward":
		if ssh.Unmarshal(req.Payload, &fr) != nil || !rf.cancel(fr) {
			return false
		}
		if req.WantReply {
			req.Reply(true, nil)
		}
		return true
	}
	return false
}

// listen opens a loopback listener for fr and accepts its connections.
func (rf *remoteForwards) listen(fr forwardRequest) (uint32, error) {
	host := loopbackHost(fr.Addr)
	if host == "" {
		return 0, fmt.Errorf("vmtest: tcpip-forward on %q: loopback only", fr.Addr)
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.closed {
		return 0, net.ErrClosed
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(int(fr.Port))))
	if err != nil {
		return 0, err
	}
	port := uint32(ln.Addr().(*net.TCPAddr).Port)
	rf.lns[net.JoinHostPort(fr.Addr, strconv.Itoa(int(port)))] = ln
	rf.s.wg.Go(func() { rf.accept(ln, fr.Addr, port) })
	return port, nil
}

// accept opens a forwarded-tcpip channel for each connection to ln.
func (rf *remoteForwards) accept(ln net.Listener, addr string, port uint32) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		ra := conn.RemoteAddr().(*net.TCPAddr)
		p := tcpipPayload{Addr: addr, Port: port, OriginAddr: ra.IP.String(), OriginPort: uint32(ra.Port)}
		rf.s.wg.Go(func() {
			ch, reqs, err := rf.conn.OpenChannel("forwarded-tcpip", ssh.Marshal(&p))
			if err != nil {
				conn.Close()
				return
			}
			rf.s.wg.Go(func() { ssh.DiscardRequests(reqs) })
			rf.s.splice(ch, conn)
		})
	}
}

// cancel closes the listener fr names.
func (rf *remoteForwards) cancel(fr forwardRequest) bool {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	key := net.JoinHostPort(fr.Addr, strconv.Itoa(int(fr.Port)))
	ln, ok := rf.lns[key]
	if ok {
		ln.Close()
		delete(rf.lns, key)
	}
	return ok
}

// close closes every listener; later requests fail.
func (rf *remoteForwards) close() {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.closed = true
	for k, ln := range rf.lns {
		ln.Close()
		delete(rf.lns, k)
	}
}
