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

// Copy a directory to a machine and a log file back, with checksums.
func ExampleClient_Upload() {
	var c *vmconn.Client // from Dial
	ctx := context.Background()
	opts := &vmconn.CopyOptions{Verify: true}
	if err := c.Upload(ctx, "./site", "/srv/www/", opts); err != nil {
		log.Fatal(err)
	}
	if err := c.Download(ctx, "/var/log/syslog", "./syslog", opts); err != nil {
		log.Fatal(err)
	}
}
