package vmconn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/vmconn/vmconn"
)

// Reach a machine through two bastions, each checked against known_hosts.
func ExampleDialVia() {
	ctx := context.Background()
	c, err := vmconn.DialVia(ctx, "admin@10.0.0.5", nil,
		vmconn.JumpHost{Addr: "jump@bastion.example.com"},
		vmconn.JumpHost{Addr: "inner-bastion:2222"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
}

// Run a command as root through sudo, with the password on sudo's stdin.
func ExampleClient_Sudo() {
	var c *vmconn.Client // from Dial
	cmd := c.Sudo(context.Background(), "apt-get install -y nginx")
	cmd.Password = "sudo password" // or leave empty for NOPASSWD
	out, err := cmd.CombinedOutput()
	fmt.Printf("%s%v\n", out, err)
}
