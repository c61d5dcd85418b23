package vmtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
)

// installNginx is the code under test (it would live in your package).
func installNginx(ctx context.Context, c *vmconn.Client) error {
	cmd := c.Command(ctx, "apt-get install -y nginx")
	cmd.Env = []string{"DEBIAN_FRONTEND=noninteractive"}
	if err := cmd.Run(); err != nil {
		return err
	}
	return c.Command(ctx, "systemctl is-active --quiet nginx").Run()
}

// newFakeVM starts a test VM that answers apt-get and systemctl from a
// table and refuses any other command, and a client logged in to it.
func newFakeVM(t *testing.T, apt vmtest.Fake) (*vmtest.Fakes, *vmconn.Client) {
	fakes := &vmtest.Fakes{Fallback: vmtest.Refuse}
	fakes.Handle("apt-get install -y nginx", apt)
	fakes.Handle("systemctl is-active --quiet nginx", vmtest.Fake{})
	srv := vmtest.New(t, vmtest.Options{Handler: fakes}) // closed when the test ends
	client, err := vmconn.Dial(t.Context(), srv.Addr(), srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return fakes, client
}

func TestInstallNginx(t *testing.T) {
	fakes, client := newFakeVM(t, vmtest.Fake{Stdout: "Setting up nginx (1.22.1) ...\n"})
	if err := installNginx(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	calls := fakes.Calls()
	if len(calls) != 2 || calls[0].Env["DEBIAN_FRONTEND"] != "noninteractive" {
		t.Errorf("commands run: %+v", calls)
	}
}

func TestInstallNginxWhenTheLinkDrops(t *testing.T) {
	fakes, client := newFakeVM(t, vmtest.Fake{Fault: vmtest.DropConnection})
	err := installNginx(t.Context(), client)
	if !errors.Is(err, vmconn.ErrNoExitStatus) { // apt-get's outcome is unknown
		t.Fatalf("installNginx = %v; want ErrNoExitStatus", err)
	}
	if lines := fakes.Lines(); len(lines) != 1 { // and systemctl was not asked
		t.Errorf("commands run: %q", lines)
	}
}
