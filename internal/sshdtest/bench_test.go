package sshdtest_test

import (
	"os/exec"
	"testing"

	"github.com/vmconn/vmconn/internal/sshdtest"
	"golang.org/x/crypto/ssh"
)

// BenchmarkStart measures Start: keys, config, sshd up and answering.
func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		s := sshdtest.Start(b, sshdtest.Options{})
		s.KillAll(b)
	}
}

// BenchmarkCommand measures one command in a new session over an open
// connection, with the rc files hidden (the default as root) and not.
func BenchmarkCommand(b *testing.B) {
	for _, keep := range []bool{false, true} {
		b.Run(map[bool]string{false: "rc-hidden", true: "rc-kept"}[keep], func(b *testing.B) {
			c := sshdtest.Start(b, sshdtest.Options{KeepRCFiles: keep}).Dial(b)
			for b.Loop() {
				run(b, c, "true")
			}
		})
	}
}

// BenchmarkDial measures TCP connect, handshake and key authentication.
func BenchmarkDial(b *testing.B) {
	s := sshdtest.Start(b, sshdtest.Options{})
	cfg := s.ClientConfig(b)
	for b.Loop() {
		c, err := ssh.Dial("tcp", s.Addr, cfg)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkOpenSSHClient measures "ssh ... true" with the OpenSSH client:
// a process, a connection and a command.
func BenchmarkOpenSSHClient(b *testing.B) {
	if _, err := exec.LookPath("ssh"); err != nil {
		b.Skip("no OpenSSH client:", err)
	}
	s := sshdtest.Start(b, sshdtest.Options{})
	args := append(s.SSHArgs(), "true")
	for b.Loop() {
		if out, err := exec.Command("ssh", args...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}
