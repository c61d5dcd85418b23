package job_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/job"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// A job outlives the connection: here the link drops while the job runs,
// and Follow still delivers every line once and the exit status.
func ExampleStart() {
	srv := vmtest.NewServer()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := vmconn.Dial(ctx, srv.Addr(), &vmconn.Config{
		Signers:         []ssh.Signer{srv.ClientSigner()},
		KnownHostsFiles: []string{srv.KnownHostsFile()},
		NoAgent:         true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	dir, _ := os.MkdirTemp("", "vmconn-jobs-")
	defer os.RemoveAll(dir)

	j, err := job.Start(ctx, c, "echo step 1; sleep 0.3; echo step 2; exit 3", &job.Options{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.DropConnections() // the job goes on
	err = j.Follow(ctx, os.Stdout, os.Stderr)
	var ee *vmconn.ExitError
	if errors.As(err, &ee) {
		fmt.Println("exit status", ee.Status)
	}
	// Output:
	// step 1
	// step 2
	// exit status 3
}
