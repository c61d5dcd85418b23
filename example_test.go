package vmconn_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
)

// exampleConfig trusts the test server's host key and logs in with its
// client key. With a real machine, the zero Config uses ~/.ssh.
func exampleConfig(srv *vmtest.Server) *vmconn.Config {
	return &vmconn.Config{
		IdentityFiles:   []string{srv.ClientKeyFile()},
		KnownHostsFiles: []string{srv.KnownHostsFile()},
		NoAgent:         true,
	}
}

func ExampleDial() {
	srv := vmtest.NewServer()
	defer srv.Close()

	ctx := context.Background()
	client, err := vmconn.Dial(ctx, srv.Addr(), exampleConfig(srv))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	out, err := client.Output(ctx, "echo hello from $(uname -s)")
	fmt.Printf("%s%v\n", out, err)
	// Output:
	// hello from Linux
	// <nil>
}

func ExampleCmd_Run() {
	srv := vmtest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	client, _ := vmconn.Dial(ctx, srv.Addr(), exampleConfig(srv))
	defer client.Close()

	cmd := client.Command(ctx, "echo building; echo warning >&2; exit 3")
	cmd.Stdout = os.Stdout // streamed as it arrives
	err := cmd.Run()

	var exit *vmconn.ExitError
	if errors.As(err, &exit) {
		fmt.Println("exit status", exit.Status)
	}
	// Output:
	// building
	// exit status 3
}

func ExampleNewLines() {
	srv := vmtest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	client, _ := vmconn.Dial(ctx, srv.Addr(), exampleConfig(srv))
	defer client.Close()

	lines := vmconn.NewLines(func(s vmconn.Stream, line []byte) {
		fmt.Printf("%s: %s\n", s, line)
	})
	cmd := client.Command(ctx, "printf 'one\\ntwo\\nno newline'")
	cmd.Stdout, cmd.Stderr = lines.Stdout(), lines.Stderr()
	_ = cmd.Run()
	lines.Close()
	// Output:
	// stdout: one
	// stdout: two
	// stdout: no newline
}

func ExampleShellJoin() {
	fmt.Println(vmconn.ShellJoin("grep", "-r", "it's $HOME", "/etc"))
	// Output: grep -r 'it'\''s $HOME' /etc
}

func ExampleDial_errors() {
	srv := vmtest.NewServer()
	defer srv.Close()
	cfg := exampleConfig(srv)
	cfg.KnownHostsFiles = []string{os.DevNull} // nothing known: strict mode refuses

	_, err := vmconn.Dial(context.Background(), srv.Addr(), cfg)
	fmt.Println(errors.Is(err, vmconn.ErrHostKeyUnknown), vmconn.Retryable(err))
	// Output: true false
}

// Run a command as root through sudo, with the password on sudo's stdin.
func ExampleSudo() {
	var c *vmconn.Client // from Dial
	cmd := c.Command(context.Background(), "apt-get install -y nginx")
	cmd.Sudo = &vmconn.Sudo{Password: "sudo password"} // or a zero Sudo for NOPASSWD
	out, err := cmd.CombinedOutput()
	fmt.Printf("%s%v\n", out, err)
}

// A client that runs many short commands keeps a warm session: the next
// command's session and login shell start while the caller does other
// work, and the command goes straight into the waiting shell.
func ExampleConfig_warmSession() {
	srv := vmtest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	cfg := exampleConfig(srv)
	cfg.WarmSession = time.Minute // closed after a minute unused, and at Close
	client, _ := vmconn.Dial(ctx, srv.Addr(), cfg)
	defer client.Close()

	for i := range 3 {
		out, err := client.Output(ctx, fmt.Sprintf("echo step %d", i))
		fmt.Printf("%s%v\n", out, err)
	}
	// Output:
	// step 0
	// <nil>
	// step 1
	// <nil>
	// step 2
	// <nil>
}
