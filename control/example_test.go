//go:build linux || darwin || freebsd

package control_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/control"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// Share one connection with other processes: a master serves it on a
// Unix socket, and a Client made with Dialer.Config goes through it.
func ExampleMaster() {
	ctx := context.Background()
	srv := vmtest.NewServer()
	defer srv.Close()
	cfg := &vmconn.Config{Signers: []ssh.Signer{srv.ClientSigner()}, KnownHostsFiles: []string{srv.KnownHostsFile()}, NoAgent: true}
	shared, err := vmconn.Dial(ctx, srv.Addr(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer shared.Close()

	dir, _ := os.MkdirTemp("", "vmconn-example") // 0700: the socket's directory must be private
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "master")
	key := control.Key("example", srv.Addr()) // everything that decides the connection
	ln, err := control.Listen(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := &control.Master{Client: shared, Key: key}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, ln) }()

	// In another process of the same user: no keys, no login.
	d := &control.Dialer{Path: path, Key: key}
	c, err := vmconn.Dial(ctx, srv.Addr(), d.Config(nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := c.Output(ctx, "echo through the master")
	fmt.Printf("%q %v\n", out, err)
	c.Close()

	// A process that runs one command needs no Client at all.
	r := &control.Run{Command: "echo run by the master; exit 3", Stdout: os.Stdout}
	fmt.Println(r.Run(ctx, path, key))

	m.Stop()
	fmt.Println("served:", <-done)
	// Output:
	// "through the master\n" <nil>
	// run by the master
	// vmconn: command exited with status 3
	// served: <nil>
}
