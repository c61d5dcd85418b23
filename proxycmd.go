package vmconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ProxyCommand is a dialer that runs a local command and speaks SSH over
// its standard input and output, as ssh_config's ProxyCommand: set
// Config.DialContext to its DialContext method. Package sshconfig builds
// one for a host whose ProxyCommand applies. A ProxyCommand may be used
// by many dials at once; each runs the command anew, so reconnections
// run it again.
type ProxyCommand struct {
	// Command is run through the user's shell: $SHELL (else /bin/sh) -c
	// "exec Command" on Unix, as OpenSSH runs it, and cmd /c Command on
	// Windows. Its %-tokens must already be expanded.
	Command string

	// Stderr receives the command's standard error. Nil means it is
	// discarded (as os/exec does), so that a library stays silent; the
	// vmconn CLI passes its own standard error, as ssh does.
	Stderr io.Writer
}

// proxyWaitDelay bounds how long Close waits for the command's standard
// error to be closed after the command was killed (a child of the
// command may hold it open).
const proxyWaitDelay = 2 * time.Second

// DialContext starts the command; network and addr only name the
// connection (its RemoteAddr is addr). The command runs until the
// returned connection is closed, which kills it and reaps it: ctx bounds
// the start only, and Dial closes the connection if ctx ends before the
// handshake is over. Closing it is the only way to end the command.
func (p *ProxyCommand) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if p.Command == "" {
		return nil, fmt.Errorf("proxy command: empty command: %w", ErrConfig)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("proxy command: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("proxy command: %w", err)
	}
	cmd := proxyShell(p.Command)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.WaitDelay = inR, outW, p.Stderr, proxyWaitDelay
	err = cmd.Start()
	inR.Close() // the child holds its own copies
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("proxy command %q: %w: %w", p.Command, ErrUnreachable, err)
	}
	return &proxyConn{r: outR, w: inW, cmd: cmd, command: p.Command, addr: proxyAddr{network, addr}}, nil
}

// proxyConn is a ProxyCommand's standard output and input as a net.Conn.
type proxyConn struct {
	r, w    *os.File
	cmd     *exec.Cmd
	command string // as given, for messages
	addr    proxyAddr
	once    sync.Once
	spoke   atomic.Bool // the command wrote something
}

// Read reads the command's output. An end before any output says that
// the command ended (or closed its output) before the server's banner,
// which the handshake error then shows.
func (c *proxyConn) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.spoke.Store(true)
	}
	if errors.Is(err, io.EOF) && c.spoke.Load() {
		return n, err // the usual end of the connection
	}
	return n, c.ended(err)
}

// Write writes to the command's input.
func (c *proxyConn) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	return n, c.ended(err)
}

// ended names the command in an error that says it ended (its output
// ended, or its input is closed), and makes a use after Close the
// error net.Conn users expect.
func (c *proxyConn) ended(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrClosed):
		return net.ErrClosed
	case !c.spoke.Load() && (errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE)):
		return fmt.Errorf("proxy command %q ended before the server's banner: %w", c.command, err)
	case errors.Is(err, syscall.EPIPE):
		return fmt.Errorf("proxy command %q ended: %w", c.command, err)
	}
	return err
}

// Close closes the pipes, kills the command and waits for it, so that no
// process is left behind. It is safe to call more than once.
func (c *proxyConn) Close() error {
	c.once.Do(func() {
		c.w.Close()
		c.r.Close()
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait() // a killed command's status says nothing
	})
	return nil
}

func (c *proxyConn) LocalAddr() net.Addr  { return proxyAddr{c.addr.network, "proxy-command"} }
func (c *proxyConn) RemoteAddr() net.Addr { return c.addr }

// SetDeadline sets both deadlines; pipes without deadline support (on
// Windows) return an error, which Dial ignores.
func (c *proxyConn) SetDeadline(t time.Time) error {
	if err := c.r.SetReadDeadline(t); err != nil {
		return err
	}
	return c.w.SetWriteDeadline(t)
}

func (c *proxyConn) SetReadDeadline(t time.Time) error  { return c.r.SetReadDeadline(t) }
func (c *proxyConn) SetWriteDeadline(t time.Time) error { return c.w.SetWriteDeadline(t) }

// proxyAddr names a ProxyCommand connection by the address it stands
// for, so that known_hosts checks it under that name.
type proxyAddr struct{ network, addr string }

func (a proxyAddr) Network() string { return a.network }
func (a proxyAddr) String() string  { return a.addr }
