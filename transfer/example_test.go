package transfer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/transfer"
)

// Copy a directory to a machine and a log file back, with checksums and
// a progress report. (No // Output: it needs a machine named build-vm;
// the package's tests run the same calls against a real sshd.)
func Example() {
	ctx := context.Background()
	c, err := vmconn.Dial(ctx, "admin@build-vm", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	opts := &transfer.Options{Verify: true, Progress: func(p transfer.Progress) {
		fmt.Printf("\r%s: %d of %d bytes", p.Path, p.Bytes, p.Total)
	}}
	if err := transfer.Upload(ctx, c, "./site", "/srv/www/", opts); err != nil {
		log.Fatal(err)
	}
	if err := transfer.Download(ctx, c, "/var/log/syslog", "./syslog", &transfer.Options{Verify: true}); err != nil {
		log.Fatal(err)
	}
}

// Open an SFTP session for what Upload and Download do not do.
func ExampleOpen() {
	var c *vmconn.Client // from vmconn.Dial
	ctx := context.Background()
	f, err := transfer.Open(ctx, c)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := f.MkdirAll("/srv/www/cache"); err != nil {
		log.Fatal(err)
	}
}
