package alive_test

import (
	"context"
	"fmt"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// Check says which layer of a machine answers: here an in-process test
// VM, first running, then with its sshd stopped.
func ExampleCheck() {
	vm := vmtest.NewServer()
	defer vm.Close()
	opts := &alive.Options{
		Config: &vmconn.Config{
			Signers:         []ssh.Signer{vm.ClientSigner()},
			KnownHostsFiles: []string{vm.KnownHostsFile()},
			NoAgent:         true,
		},
		Ports:  []int{vm.Port()},
		NoICMP: true, // ping needs privileges; loopback always answers anyway
	}
	ctx := context.Background()

	res, err := alive.Check(ctx, vm.Addr(), opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Alive, res.Layer, res.Operational)

	vm.StopListening() // sshd stopped: the port refuses, which proves TCP alive
	res, err = alive.Check(ctx, vm.Addr(), opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Alive, res.Layer, res.Layers[0].Outcome)
	// Output:
	// true ssh true
	// true tcp refused
}

// CheckClient asks an open connection first: a keepalive round trip, no
// new login.
func ExampleCheckClient() {
	vm := vmtest.NewServer()
	defer vm.Close()
	ctx := context.Background()
	c, err := vmconn.Dial(ctx, vm.Addr(), &vmconn.Config{
		Signers:         []ssh.Signer{vm.ClientSigner()},
		KnownHostsFiles: []string{vm.KnownHostsFile()},
		NoAgent:         true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	res, err := alive.CheckClient(ctx, c, &alive.Options{Ports: []int{vm.Port()}, NoICMP: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Layer, res.Operational, len(vm.Commands()))
	// Output:
	// ssh true 0
}
