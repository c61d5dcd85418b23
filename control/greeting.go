package control

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// The greeting opens every connection to a master, before SSH: the
// client sends "vmconn-control 1 KEY\n"; the master answers
// "ok HOSTKEY\n" (its ephemeral host key, in authorized_keys form) or
// "mismatch\n", then closes on a mismatch. SSH follows at once; the
// key exchange is curve25519-sha256 alone (the socket never leaves the
// machine, and a post-quantum exchange costs each call CPU time).
const (
	greetingPrefix = "vmconn-control 1 "
	greetingMax    = 512                      // longest greeting line
	greetingWait   = 5 * time.Second          // bound on either side's greeting
	replyOK        = "ok "                    // + host key
	replyMismatch  = "mismatch"               // settings differ
	serverVersion  = "SSH-2.0-vmconn-control" // the master's SSH version string
)

// keyExchanges are the socket's key exchanges.
var keyExchanges = []string{ssh.KeyExchangeCurve25519}

// readLine reads one "\n"-ended line of at most greetingMax bytes. It
// reads in blocks (a byte at a time costs a system call each), so it may
// read past the line: rest is what followed it, which the caller must
// read before c (see replayConn).
func readLine(c io.Reader) (line string, rest []byte, err error) {
	buf := make([]byte, 0, greetingMax)
	for {
		n, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			return string(buf[:i]), buf[i+1:], nil
		}
		if err != nil {
			return "", nil, err
		}
		if len(buf) == cap(buf) {
			return "", nil, errors.New("greeting too long")
		}
	}
}

// replayConn is a net.Conn that first returns bytes read past a greeting.
type replayConn struct {
	*net.UnixConn
	rest []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.rest) > 0 {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		return n, nil
	}
	return c.UnixConn.Read(p)
}

// clientGreeting sends the key and reads the master's answer: its host
// key, or ErrMismatch.
func clientGreeting(c net.Conn, key string) (ssh.PublicKey, []byte, error) {
	_ = c.SetDeadline(time.Now().Add(greetingWait))
	defer c.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(c, "%s%s\n", greetingPrefix, key); err != nil {
		return nil, nil, err
	}
	line, rest, err := readLine(c)
	if err != nil {
		return nil, nil, fmt.Errorf("master's greeting: %w", err)
	}
	if line == replyMismatch {
		return nil, nil, ErrMismatch
	}
	text, ok := strings.CutPrefix(line, replyOK)
	if !ok {
		return nil, nil, fmt.Errorf("master's greeting: unexpected %q", line)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return nil, nil, fmt.Errorf("master's greeting: host key: %w", err)
	}
	return pub, rest, nil
}

// serverGreeting answers a client's greeting line: nil when it names
// key, ErrMismatch (after telling the client) when it does not.
func serverGreeting(c net.Conn, line, key string, hostKey ssh.PublicKey) error {
	got, ok := strings.CutPrefix(line, greetingPrefix)
	if !ok {
		return fmt.Errorf("not a vmconn control greeting: %q", line)
	}
	if got != key {
		fmt.Fprintf(c, "%s\n", replyMismatch)
		return ErrMismatch
	}
	_, err := fmt.Fprintf(c, "%s%s", replyOK, ssh.MarshalAuthorizedKey(hostKey))
	return err
}
