package vmtest

import (
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// Blackhole is a loopback port that silently drops connection attempts,
// as a firewalled or powered-off host does: a dial to it times out instead
// of being refused. It needs no root and no firewall rule: it is a
// listener with a backlog of zero whose one queued connection is never
// accepted, so the kernel drops every further SYN.
type Blackhole struct {
	fd     int
	filler net.Conn
	port   int
}

// NewBlackhole opens a blackhole port on 127.0.0.1.
func NewBlackhole() (*Blackhole, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("vmtest: blackhole: %w", err)
	}
	b := &Blackhole{fd: fd}
	if err := b.listen(); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("vmtest: blackhole: %w", err)
	}
	return b, nil
}

func (b *Blackhole) listen() error {
	if err := syscall.Bind(b.fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return err
	}
	if err := syscall.Listen(b.fd, 0); err != nil {
		return err
	}
	sa, err := syscall.Getsockname(b.fd)
	if err != nil {
		return err
	}
	b.port = sa.(*syscall.SockaddrInet4).Port
	if b.filler, err = net.DialTimeout("tcp", b.Addr(), time.Second); err != nil {
		return fmt.Errorf("filling the accept queue: %w", err)
	}
	if c, err := net.DialTimeout("tcp", b.Addr(), 200*time.Millisecond); err == nil {
		c.Close()
		b.filler.Close()
		return fmt.Errorf("port %d still accepts connections", b.port)
	}
	return nil
}

// Addr returns "127.0.0.1:PORT".
func (b *Blackhole) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)) }

// Port returns the port.
func (b *Blackhole) Port() int { return b.port }

// Close releases the port.
func (b *Blackhole) Close() {
	b.filler.Close()
	syscall.Close(b.fd)
}
