package vmconn_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/internal/quickack"
	"github.com/vmconn/vmconn/internal/sshdtest"
)

// quickAckDial is a Config.DialContext that wraps the connection with
// quickack.Wrap, or hides it from quickack.Wrap when off.
func quickAckDial(on bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		switch {
		case err != nil:
			return nil, err
		case !on:
			return struct{ net.Conn }{nc}, nil
		}
		return quickack.Wrap(nc), nil
	}
}

// TestQuickAckSSHD: against OpenSSH, a client on quickack.Wrap logs in,
// runs commands at once and in a row, and reads large output intact.
func TestQuickAckSSHD(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := sshdConfig(s)
	cfg.DialContext = quickAckDial(true)
	c := dialSSHD(t, s, cfg)
	ctx := testCtx(t)
	for i := range 3 {
		out, err := c.Output(ctx, fmt.Sprintf("echo hello %d", i))
		if err != nil || string(out) != fmt.Sprintf("hello %d\n", i) {
			t.Fatalf("command %d: %q, %v", i, out, err)
		}
	}
	out, err := c.Output(ctx, "seq 1 200000")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	for i := 1; i <= 200000; i++ {
		fmt.Fprintln(&want, i)
	}
	if !bytes.Equal(out, want.Bytes()) {
		t.Fatalf("seq output: %d bytes, want %d", len(out), want.Len())
	}
}

// BenchmarkSSHDFreshConnect: Dial, run `true` and Close against OpenSSH,
// with and without quickack.Wrap.
func BenchmarkSSHDFreshConnect(b *testing.B) {
	s := sshdtest.Start(b, sshdtest.Options{})
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "quickack"}[on], func(b *testing.B) {
			cfg := sshdConfig(s)
			cfg.DialContext = quickAckDial(on)
			for b.Loop() {
				c, err := vmconn.Dial(context.Background(), s.Addr, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Command(context.Background(), "true").Run(); err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}
