package alive

import (
	"bytes"
	"net"
	"sync"
)

// bannerConn remembers the first bytes the server sent, to tell an SSH
// server that answered from a port that stayed silent.
type bannerConn struct {
	net.Conn
	mu   sync.Mutex
	head []byte
}

const bannerMax = 512

func (c *bannerConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	if room := bannerMax - len(c.head); room > 0 {
		c.head = append(c.head, p[:min(n, room)]...)
	}
	c.mu.Unlock()
	return n, err
}

// banner returns the server's "SSH-..." line, or "" if none arrived.
func (c *bannerConn) banner() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for line := range bytes.Lines(c.head) {
		if bytes.HasPrefix(line, []byte("SSH-")) {
			return string(bytes.TrimRight(line, "\r\n"))
		}
	}
	return ""
}
