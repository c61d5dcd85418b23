package vmconn_test

import (
	"context"
	"io"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

// benchTarget is a server both clients can reach: vmconn with cfg, raw
// x/crypto with raw.
type benchTarget struct {
	addr string
	cfg  *vmconn.Config
	raw  *ssh.ClientConfig
}

func vmtestTarget(b *testing.B) benchTarget {
	srv := newServer(b)
	return benchTarget{addr: srv.Addr(), cfg: testConfig(srv), raw: &ssh.ClientConfig{
		User:            "bench",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(srv.ClientSigner())},
		HostKeyCallback: ssh.FixedHostKey(srv.HostKey()),
	}}
}

// benchCommand runs one command per iteration over one kept connection.
func benchCommand(b *testing.B, tg benchTarget, command string, bytesPerOp int64) {
	b.Run("vmconn", func(b *testing.B) {
		c, err := vmconn.Dial(context.Background(), tg.addr, tg.cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.SetBytes(bytesPerOp)
		b.ResetTimer()
		for range b.N {
			cmd := c.Command(context.Background(), command)
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		c, err := ssh.Dial("tcp", tg.addr, tg.raw)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.SetBytes(bytesPerOp)
		b.ResetTimer()
		for range b.N {
			s, err := c.NewSession()
			if err != nil {
				b.Fatal(err)
			}
			s.Stdout = io.Discard
			if err := s.Run(command); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
}

// BenchmarkCommandLatency: per-command latency of `true` over one kept
// connection, vmconn vs raw x/crypto/ssh, against vmtest.
func BenchmarkCommandLatency(b *testing.B) {
	benchCommand(b, vmtestTarget(b), "true", 0)
}

// BenchmarkThroughput: stdout throughput of 64 MiB, vmconn vs raw.
func BenchmarkThroughput(b *testing.B) {
	benchCommand(b, vmtestTarget(b), "head -c 67108864 /dev/zero", 64<<20)
}

func sshdTarget(b *testing.B) benchTarget {
	s := sshdtest.Start(b, sshdtest.Options{})
	return benchTarget{addr: s.Addr, cfg: sshdConfig(s), raw: s.ClientConfig(b)}
}

// BenchmarkSSHDCommandLatency: per-command latency over one connection
// against real OpenSSH, vmconn vs raw x/crypto/ssh.
func BenchmarkSSHDCommandLatency(b *testing.B) {
	benchCommand(b, sshdTarget(b), "true", 0)
}

// BenchmarkSSHDThroughput: 64 MiB of stdout from real OpenSSH.
func BenchmarkSSHDThroughput(b *testing.B) {
	benchCommand(b, sshdTarget(b), "head -c 67108864 /dev/zero", 64<<20)
}
