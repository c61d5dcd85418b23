package vmconn_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// WaitAlive polls until sshd is back.
func TestWaitAliveSSH(t *testing.T) {
	s := aliveServer(t)
	s.StopListening()
	back := make(chan error, 1)
	timer := time.AfterFunc(600*time.Millisecond, func() { back <- s.StartListening() })
	defer timer.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res, err := vmconn.WaitAlive(ctx, s.Addr(), vmconn.LayerSSH, &vmconn.AliveOptions{
		Config: aliveConfig(s), Ports: []int{s.Port()}, NoICMP: true, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-back; err != nil {
		t.Fatalf("StartListening: %v", err)
	}
	if res.Layer != vmconn.LayerSSH || !res.Operational {
		t.Errorf("got %s, want alive: ssh", res)
	}
	if took := time.Since(start); took < 600*time.Millisecond || took > 10*time.Second {
		t.Errorf("took %v, want just after sshd came back", took)
	}
}

// A lower layer than asked for does not end the wait; ctx does, with the
// last verdict.
func TestWaitAliveTimeout(t *testing.T) {
	s := aliveServer(t)
	s.StopListening()
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	res, err := vmconn.WaitAlive(ctx, s.Addr(), vmconn.LayerSSH, &vmconn.AliveOptions{
		Config: aliveConfig(s), Ports: []int{s.Port()}, NoICMP: true,
	})
	if !errors.Is(err, vmconn.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	if res == nil || res.Layer != vmconn.LayerTCP {
		t.Fatalf("last result %v, want alive at tcp", res)
	}
	if !strings.Contains(err.Error(), "not alive at ssh") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %q should say what was awaited and the last verdict", err)
	}
	// Waiting for TCP is satisfied by the same host at once.
	res, err = vmconn.WaitAlive(context.Background(), s.Addr(), vmconn.LayerTCP, &vmconn.AliveOptions{
		Config: aliveConfig(s), Ports: []int{s.Port()}, NoICMP: true,
	})
	if err != nil || res.Layer != vmconn.LayerTCP {
		t.Errorf("wait for tcp: %v, %v", res, err)
	}
}

// Waiting for SSH goes on while the server answers but cannot log in
// (degraded), and ends at once when it rejects the credentials.
func TestWaitAliveSSHNotOperational(t *testing.T) {
	stuck := aliveServeSlow(t, "SSH-2.0-stuck\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res, err := vmconn.WaitAlive(ctx, "127.0.0.1:"+strconv.Itoa(stuck), vmconn.LayerSSH, &vmconn.AliveOptions{
		Config: &vmconn.Config{NoAgent: true, HostKeyMode: vmconn.HostKeyInsecureIgnore}, NoICMP: true, Timeout: 300 * time.Millisecond,
	})
	if !errors.Is(err, vmconn.ErrTimeout) || res == nil || res.Layers[0].Outcome != vmconn.Degraded {
		t.Errorf("degraded server: %v, %v; want to wait until ctx ends", res, err)
	}

	s := aliveServer(t)
	cfg := aliveConfig(s)
	cfg.Signers = []ssh.Signer{aliveServer(t).ClientSigner()}
	start := time.Now()
	res, err = vmconn.WaitAlive(context.Background(), s.Addr(), vmconn.LayerSSH, &vmconn.AliveOptions{Config: cfg, Ports: []int{s.Port()}, NoICMP: true})
	if err != nil || res.Operational || res.Layers[0].Outcome != vmconn.AuthFailed || time.Since(start) > 5*time.Second {
		t.Errorf("wrong key: %v, %v; want an auth-failed result at once", res, err)
	}
}

func TestWaitAliveBadInput(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		host  string
		layer vmconn.Layer
		o     *vmconn.AliveOptions
	}{
		{"127.0.0.1", vmconn.LayerNone, nil},
		{"127.0.0.1", vmconn.Layer(7), nil},
		{"127.0.0.1:0", vmconn.LayerSSH, nil},
		{"127.0.0.1", vmconn.LayerSSH, &vmconn.AliveOptions{Timeout: -1}},
	} {
		if _, err := vmconn.WaitAlive(ctx, tt.host, tt.layer, tt.o); !errors.Is(err, vmconn.ErrConfig) {
			t.Errorf("WaitAlive(%q, %v): %v, want ErrConfig at once", tt.host, tt.layer, err)
		}
	}
}

// A name that does not resolve is retried, like a host that does not
// answer, until ctx ends.
func TestWaitAliveUnresolvable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	res, err := vmconn.WaitAlive(ctx, "nosuchhost.onion", vmconn.LayerICMP, nil)
	if res != nil || !errors.Is(err, vmconn.ErrTimeout) || !strings.Contains(err.Error(), "resolve nosuchhost.onion") {
		t.Fatalf("got %v, %v; want ErrTimeout naming the resolution failure", res, err)
	}
}
