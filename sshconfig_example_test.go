package vmconn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/vmconn/vmconn"
)

// Resolve maps a host alias through an ssh_config file, as ssh does.
func ExampleSSHConfig_Resolve() {
	sc, err := vmconn.ParseSSHConfig([]byte(`
Host bastion
  HostName 192.0.2.1
  User jump
Host vm-*
  HostName %h.lab.internal
  User admin
  Port 2222
  ProxyJump bastion
  StrictHostKeyChecking accept-new
`))
	if err != nil {
		log.Fatal(err)
	}
	r, err := sc.Resolve("vm-db", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Config.User+"@"+r.Addr, r.Config.HostKeyMode)
	for _, hop := range r.Jumps {
		fmt.Println("via", hop.Config.User+"@"+hop.Addr)
	}
	// Output:
	// admin@vm-db.lab.internal:2222 accept-new
	// via jump@192.0.2.1:22
}

// Connect to a host named in ~/.ssh/config, jump hosts included.
func ExampleResolved_Dial() {
	sc, err := vmconn.LoadSSHConfig("") // ~/.ssh/config
	if err != nil {
		log.Fatal(err)
	}
	r, err := sc.Resolve("myvm", nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := r.Dial(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
}

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
