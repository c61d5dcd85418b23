//go:build unix

package vmtest_test

import (
	"fmt"
	"log"

	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func Example() {
	srv := vmtest.NewServer()
	defer srv.Close()

	config := &ssh.ClientConfig{
		User:            srv.User(),
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(srv.ClientSigner())},
		HostKeyCallback: ssh.FixedHostKey(srv.HostKey()),
	}
	client, err := ssh.Dial("tcp", srv.Addr(), config)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	sess, err := client.NewSession()
	if err != nil {
		log.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output("echo hello from a real shell; exit 3")
	fmt.Printf("%s%v\n", out, err)
	// Output:
	// hello from a real shell
	// Process exited with status 3
}

func ExampleServer_Reboot() {
	srv := vmtest.NewServer()
	defer srv.Close()
	hostKeys, err := knownhosts.New(srv.KnownHostsFile())
	if err != nil {
		log.Fatal(err)
	}
	config := &ssh.ClientConfig{
		User:            srv.User(),
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(srv.ClientSigner())},
		HostKeyCallback: hostKeys,
	}
	client, err := ssh.Dial("tcp", srv.Addr(), config)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	before := srv.BootID()
	srv.Reboot()
	fmt.Println("connection dropped:", client.Wait() != nil)
	fmt.Println("boot id changed:", srv.BootID() != before)
	// Output:
	// connection dropped: true
	// boot id changed: true
}
