package vmconn_test

import (
	"context"
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
