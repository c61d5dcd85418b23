package sshconfig_test

import (
	"context"
	"fmt"
	"log"

	"github.com/vmconn/vmconn/sshconfig"
)

// Resolve maps a host alias through an ssh_config file, as ssh does.
func ExampleConfig_Resolve() {
	sc, err := sshconfig.Parse([]byte(`
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
	sc, err := sshconfig.Load("") // ~/.ssh/config
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
