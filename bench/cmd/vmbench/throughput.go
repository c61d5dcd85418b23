package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/bench/internal/sshd"
)

// throughput: stdout of `head -c BYTES /dev/zero` through each client,
// against a server that allows only the common cipher and one that
// leaves each client its default, b.opts.transfers times each. Each
// transfer is a fresh connection (its set-up, under 0.1s, is counted).
func (b *bench) throughput(ctx context.Context) error {
	command := fmt.Sprintf("head -c %d /dev/zero", b.opts.bytes)
	type client struct {
		name string
		fn   func(ctx context.Context, s *sshd.Server) (int64, error)
	}
	clients := []client{
		{"vmconn", func(ctx context.Context, s *sshd.Server) (int64, error) {
			c, err := vmconn.Dial(ctx, s.Addr(), b.vmconnConfig())
			if err != nil {
				return 0, err
			}
			defer c.Close()
			var n counter
			cmd := c.Command(ctx, command)
			cmd.Stdout = &n
			err = cmd.Run()
			return n.Load(), err
		}},
		{"raw x/crypto/ssh", func(ctx context.Context, s *sshd.Server) (int64, error) {
			cfg, err := b.rawConfig()
			if err != nil {
				return 0, err
			}
			c, err := rawDial(ctx, s.Addr(), cfg, qaOff)
			if err != nil {
				return 0, err
			}
			defer c.Close()
			var n counter
			err = rawRun(c, command, &n)
			return n.Load(), err
		}},
		{"OpenSSH ssh", func(ctx context.Context, s *sshd.Server) (int64, error) {
			cmd := sshCommand(ctx, append(b.sshArgs(s), command)...)
			var n counter
			cmd.Stdout = &n
			err := cmd.Run()
			return n.Load(), err
		}},
		{"paramiko", func(ctx context.Context, s *sshd.Server) (int64, error) {
			var r struct{ Bytes int64 }
			err := b.py.call(with(b.pyTarget(s, false), "op", "throughput", "command", command), &r)
			return r.Bytes, err
		}},
	}
	settings := []struct {
		name string
		srv  *sshd.Server
	}{{"common", b.common}, {"default", b.dflt}}
	for rep := range b.opts.transfers {
		for si, st := range settings {
			for k := range clients {
				// Rotate the order, as interleave does.
				c := clients[(k+rep+si)%len(clients)]
				b.res.Transfer = append(b.res.Transfer, b.transfer(ctx, c.name, st.name, st.srv, c.fn))
			}
		}
	}
	return nil
}

// transfer times one transfer and reads the cipher sshd logged for it.
func (b *bench) transfer(ctx context.Context, client, setting string, srv *sshd.Server,
	fn func(context.Context, *sshd.Server) (int64, error)) Transfer {
	mark, _ := fileSize(srv.LogFile())
	start := time.Now()
	n, err := fn(ctx, srv)
	t := Transfer{Client: client, Setting: setting, Bytes: n, Seconds: time.Since(start).Seconds(),
		Cipher: negotiated(srv.LogFile(), mark)}
	if err == nil && n != b.opts.bytes {
		err = fmt.Errorf("read %d bytes, want %d", n, b.opts.bytes)
	}
	if err != nil {
		log.Printf("throughput %s %s: %v", client, setting, err)
		t.Err = err.Error()
	}
	return t
}

// counter is an io.Writer that counts bytes.
type counter struct{ atomic.Int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.Add(int64(len(p)))
	return len(p), nil
}

var _ io.Writer = (*counter)(nil)

func fileSize(name string) (int64, error) {
	st, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// kexLine is sshd's DEBUG1 record of the negotiated algorithms.
var kexLine = regexp.MustCompile(`kex: server->client cipher: (\S+) MAC: (\S+)`)

// negotiated reads the cipher sshd logged after offset in its log.
func negotiated(logFile string, offset int64) string {
	b, err := os.ReadFile(logFile)
	if err != nil || int64(len(b)) < offset {
		return "?"
	}
	m := kexLine.FindAllStringSubmatch(string(b[offset:]), -1)
	if len(m) == 0 {
		return "?"
	}
	last := m[len(m)-1]
	if strings.Contains(last[1], "poly1305") || strings.Contains(last[1], "gcm") {
		return last[1] // AEAD: no separate MAC
	}
	return last[1] + " + " + last[2]
}
