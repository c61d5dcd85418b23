package fanout_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/fanout"
	"github.com/vmconn/vmconn/job"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// Run one command on several machines; each result stands apart.
func ExampleRun() {
	a, b := vmtest.NewServer(), vmtest.NewServer()
	defer a.Close()
	defer b.Close()
	b.AddAuthorizedKey(a.ClientSigner().PublicKey())
	known := filepath.Join(os.TempDir(), fmt.Sprintf("fanout-example-%d", os.Getpid()))
	defer os.Remove(known)
	ka, _ := os.ReadFile(a.KnownHostsFile())
	kb, _ := os.ReadFile(b.KnownHostsFile())
	_ = os.WriteFile(known, append(ka, kb...), 0o600)
	cfg := &vmconn.Config{Signers: []ssh.Signer{a.ClientSigner()}, KnownHostsFiles: []string{known}, NoAgent: true}

	l, _ := net.Listen("tcp", "127.0.0.1:0") // a port that refuses connections
	refusing := l.Addr().String()
	l.Close()

	hosts := []string{a.Addr(), b.Addr(), refusing}
	cmd := "echo hello; [ $VMTEST_BOOT_ID = " + a.BootID() + " ]" // each machine has its own boot id
	for i, r := range fanout.Run(context.Background(), hosts, cmd, &fanout.Options{Config: cfg}) {
		fmt.Printf("host %d: %s, status %d, %q\n", i, r.Class, r.ExitStatus, r.Stdout)
	}
	// Output:
	// host 0: ok, status 0, "hello\n"
	// host 1: failed, status 1, "hello\n"
	// host 2: unreachable, status -1, ""
}

// Start a detached job on several machines and follow them all to their
// ends; each would resume on its own after a dropped connection.
func ExampleRunJobs() {
	a, b := vmtest.NewServer(), vmtest.NewServer()
	defer a.Close()
	defer b.Close()
	b.AddAuthorizedKey(a.ClientSigner().PublicKey())
	known := filepath.Join(os.TempDir(), fmt.Sprintf("fanout-jobs-example-%d", os.Getpid()))
	defer os.Remove(known)
	ka, _ := os.ReadFile(a.KnownHostsFile())
	kb, _ := os.ReadFile(b.KnownHostsFile())
	_ = os.WriteFile(known, append(ka, kb...), 0o600)
	cfg := &vmconn.Config{Signers: []ssh.Signer{a.ClientSigner()}, KnownHostsFiles: []string{known}, NoAgent: true}
	dir, _ := os.MkdirTemp("", "fanout-jobs")
	defer os.RemoveAll(dir)

	opts := &fanout.JobOptions{Options: fanout.Options{Config: cfg}, Job: &job.Options{Dir: dir}}
	cmd := "sleep 0.1; echo done; [ $VMTEST_BOOT_ID = " + a.BootID() + " ]"
	for i, r := range fanout.RunJobs(context.Background(), []string{a.Addr(), b.Addr()}, cmd, opts) {
		fmt.Printf("host %d: %s, status %d, %q, job %v\n", i, r.Class, r.ExitStatus, r.Stdout, r.Job != nil)
	}
	// Output:
	// host 0: ok, status 0, "done\n", job true
	// host 1: failed, status 1, "done\n", job true
}
