package vmtest

import (
	"fmt"
	"net"
	"strconv"
	"time"
)

// maxFillers bounds the connections that fill a blackhole's accept
// queue: one on Linux, a few more where the kernel rounds a backlog of
// zero up.
const maxFillers = 8

// Blackhole is a loopback port that silently drops connection attempts,
// as a firewalled or powered-off host does: a dial to it times out instead
// of being refused. It needs no root and no firewall rule: it is a
// listener with a backlog of zero whose queued connections are never
// accepted, so the kernel drops every further SYN. It works on Linux,
// macOS and FreeBSD; elsewhere NewBlackhole returns an error wrapping
// ErrUnsupported.
type Blackhole struct {
	fd      int
	fillers []net.Conn
	port    int
}

// NewBlackhole opens a blackhole port on 127.0.0.1.
func NewBlackhole() (*Blackhole, error) {
	fd, err := blackholeSocket()
	if err != nil {
		return nil, fmt.Errorf("vmtest: blackhole: %w", err)
	}
	b := &Blackhole{fd: fd}
	if err := b.listen(); err != nil {
		b.Close()
		return nil, fmt.Errorf("vmtest: blackhole: %w", err)
	}
	return b, nil
}

// listen binds and listens with a backlog of zero, then fills the accept
// queue.
func (b *Blackhole) listen() error {
	port, err := listenZeroBacklog(b.fd)
	if err != nil {
		return err
	}
	b.port = port
	return b.fill()
}

// fill dials the port until a dial times out: the queue is then full.
func (b *Blackhole) fill() error {
	c, err := net.DialTimeout("tcp", b.Addr(), time.Second)
	if err != nil {
		return fmt.Errorf("filling the accept queue: %w", err)
	}
	b.fillers = append(b.fillers, c)
	for len(b.fillers) < maxFillers {
		c, err := net.DialTimeout("tcp", b.Addr(), 200*time.Millisecond)
		if err != nil {
			return nil
		}
		b.fillers = append(b.fillers, c)
	}
	return fmt.Errorf("port %d still accepts connections", b.port)
}

// Addr returns "127.0.0.1:PORT".
func (b *Blackhole) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)) }

// Port returns the port.
func (b *Blackhole) Port() int { return b.port }

// Close releases the port.
func (b *Blackhole) Close() {
	for _, c := range b.fillers {
		c.Close()
	}
	closeSocket(b.fd)
}
