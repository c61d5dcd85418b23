package alive_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/alive"
	"github.com/vmconn/vmconn/internal/testkit"
	"golang.org/x/crypto/ssh"
)

// Wait polls until sshd is back.
func TestWaitSSH(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	s.StopListening()
	back := make(chan error, 1)
	timer := time.AfterFunc(600*time.Millisecond, func() { back <- s.StartListening() })
	defer timer.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res, err := alive.Wait(ctx, s.Addr(), alive.LayerSSH, &alive.Options{
		Config: testkit.Config(s), Ports: []int{s.Port()}, NoICMP: true, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-back; err != nil {
		t.Fatalf("StartListening: %v", err)
	}
	if res.Layer != alive.LayerSSH || !res.Operational {
		t.Errorf("got %s, want alive: ssh", res)
	}
	if took := time.Since(start); took < 600*time.Millisecond || took > 10*time.Second {
		t.Errorf("took %v, want just after sshd came back", took)
	}
}

// A lower layer than asked for does not end the wait; ctx does, with the
// last verdict.
func TestWaitTimeout(t *testing.T) {
	t.Parallel()
	s := testkit.Server(t)
	s.StopListening()
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	res, err := alive.Wait(ctx, s.Addr(), alive.LayerSSH, &alive.Options{
		Config: testkit.Config(s), Ports: []int{s.Port()}, NoICMP: true,
	})
	if !errors.Is(err, vmconn.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	if res == nil || res.Layer != alive.LayerTCP {
		t.Fatalf("last result %v, want alive at tcp", res)
	}
	if !strings.Contains(err.Error(), "not alive at ssh") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %q should say what was awaited and the last verdict", err)
	}
	// Waiting for TCP is satisfied by the same host at once.
	res, err = alive.Wait(context.Background(), s.Addr(), alive.LayerTCP, &alive.Options{
		Config: testkit.Config(s), Ports: []int{s.Port()}, NoICMP: true,
	})
	if err != nil || res.Layer != alive.LayerTCP {
		t.Errorf("wait for tcp: %v, %v", res, err)
	}
}

// Waiting for SSH goes on while the server answers but cannot log in
// (degraded), and ends at once when it rejects the credentials.
func TestWaitSSHNotOperational(t *testing.T) {
	t.Parallel()
	stuck := testkit.BannerThenStall(t, "SSH-2.0-stuck\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res, err := alive.Wait(ctx, "127.0.0.1:"+strconv.Itoa(stuck), alive.LayerSSH, &alive.Options{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true, Timeout: 300 * time.Millisecond,
	})
	if !errors.Is(err, vmconn.ErrTimeout) || res == nil || res.Layers[0].Outcome != alive.Degraded {
		t.Errorf("degraded server: %v, %v; want to wait until ctx ends", res, err)
	}

	s := testkit.Server(t)
	cfg := testkit.Config(s)
	cfg.Signers = []ssh.Signer{testkit.Server(t).ClientSigner()}
	start := time.Now()
	res, err = alive.Wait(context.Background(), s.Addr(), alive.LayerSSH, &alive.Options{Config: cfg, Ports: []int{s.Port()}, NoICMP: true})
	if err != nil || res.Operational || res.Layers[0].Outcome != alive.AuthFailed || time.Since(start) > 5*time.Second {
		t.Errorf("wrong key: %v, %v; want an auth-failed result at once", res, err)
	}
}

func TestWaitBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		host  string
		layer alive.Layer
		o     *alive.Options
	}{
		{"127.0.0.1", alive.LayerNone, nil},
		{"127.0.0.1", alive.Layer(7), nil},
		{"127.0.0.1:0", alive.LayerSSH, nil},
		{"127.0.0.1", alive.LayerSSH, &alive.Options{Timeout: -1}},
	} {
		if _, err := alive.Wait(ctx, tt.host, tt.layer, tt.o); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("Wait(%q, %v): %v, want ErrConfig at once", tt.host, tt.layer, err)
		}
	}
}

// A name that does not resolve is retried, like a host that does not
// answer, until ctx ends.
func TestWaitUnresolvable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	res, err := alive.Wait(ctx, "nosuchhost.onion", alive.LayerICMP, nil)
	if res != nil || !errors.Is(err, vmconn.ErrTimeout) || !strings.Contains(err.Error(), "resolve nosuchhost.onion") {
		t.Fatalf("got %v, %v; want ErrTimeout naming the resolution failure", res, err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "vmconn: ") || strings.Count(msg, "vmconn: ") != 1 {
		t.Errorf("%q: want \"vmconn: \" once, at the start", msg)
	}
}
