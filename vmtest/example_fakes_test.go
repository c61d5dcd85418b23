//go:build unix

package vmtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
)

// Answer apt-get from a table without running it, refuse every other
// command, and check what the code under test ran.
func ExampleFakes() {
	fakes := &vmtest.Fakes{Fallback: vmtest.Refuse}
	fakes.Handle("apt-get install -y nginx", vmtest.Fake{Stdout: "Setting up nginx (1.22.1) ...\n"})
	fakes.HandleRegexp(`^apt-get `, vmtest.Fake{Stderr: "E: Unable to locate package\n", Status: 100})
	srv := vmtest.NewServerOptions(vmtest.Options{Handler: fakes})
	defer srv.Close()

	ctx := context.Background()
	client, err := vmconn.Dial(ctx, srv.Addr(), srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	cmd := client.Command(ctx, "apt-get install -y nginx")
	cmd.Env = []string{"DEBIAN_FRONTEND=noninteractive"}
	out, err := cmd.Output()
	fmt.Printf("%s%v\n", out, err)
	var exit *vmconn.ExitError
	_, err = client.Output(ctx, "apt-get install -y nosuch")
	fmt.Println(errors.As(err, &exit), exit.Status)
	_, err = client.Output(ctx, "curl -sS https://example.com/")
	fmt.Println(errors.As(err, &exit), exit.Status)

	for _, call := range fakes.Calls() {
		fmt.Printf("%q faked=%v DEBIAN_FRONTEND=%q\n", call.Line, call.Faked, call.Env["DEBIAN_FRONTEND"])
	}
	// Output:
	// Setting up nginx (1.22.1) ...
	// <nil>
	// true 100
	// true 127
	// "apt-get install -y nginx" faked=true DEBIAN_FRONTEND="noninteractive"
	// "apt-get install -y nosuch" faked=true DEBIAN_FRONTEND=""
	// "curl -sS https://example.com/" faked=false DEBIAN_FRONTEND=""
}

// A HandlerFunc fakes what a table cannot: here a service that becomes
// active on the second look, and a command whose connection breaks. The
// rest runs in the real shell.
func ExampleHandlerFunc() {
	looks := 0
	handler := vmtest.HandlerFunc(func(c *vmtest.Command) vmtest.Exit {
		switch c.Line {
		case "systemctl is-active nginx":
			looks++ // one command at a time here; guard with a mutex otherwise
			if looks == 1 {
				fmt.Fprintln(c.Stdout, "activating")
				return vmtest.Exit{Status: 3}
			}
			fmt.Fprintln(c.Stdout, "active")
			return vmtest.Exit{}
		case "./migrate.sh":
			return vmtest.Exit{Fault: vmtest.DropConnection}
		}
		return vmtest.Shell.ServeCommand(c)
	})
	srv := vmtest.NewServerOptions(vmtest.Options{Handler: handler})
	defer srv.Close()
	ctx := context.Background()
	client, err := vmconn.Dial(ctx, srv.Addr(), srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	for range 2 {
		out, err := client.Output(ctx, "systemctl is-active nginx")
		fmt.Printf("%s -> error: %v\n", strings.TrimSpace(string(out)), err != nil)
	}
	err = client.Command(ctx, "./migrate.sh").Run()
	fmt.Println("outcome unknown:", errors.Is(err, vmconn.ErrNoExitStatus))
	out, _ := client.Output(ctx, "echo from the real shell")
	fmt.Print(string(out))
	// Output:
	// activating -> error: true
	// active -> error: false
	// outcome unknown: true
	// from the real shell
}

// In a test, New starts a server that closes when the test ends (and
// skips the test where vmtest cannot run); Config dials it.
func ExampleNew() {
	var t *testing.T // the test's, in func TestDeploy(t *testing.T)

	srv := vmtest.New(t, vmtest.Options{})
	client, err := vmconn.Dial(t.Context(), srv.Addr(), srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	// ... the code under test drives client; srv.Reboot(),
	// srv.DropConnections() and srv.Stall(true) make it misbehave.
}
