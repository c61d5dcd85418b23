package vmtest

import (
	"errors"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestMaxSessions(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{MaxSessions: 2}))
	var open []*ssh.Session
	for range 2 {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatalf("session %d: %v", len(open)+1, err)
		}
		open = append(open, sess)
	}
	_, err := c.NewSession()
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != ssh.Prohibited || oce.Message != "no more sessions" {
		t.Fatalf("third session: %v, want OpenChannelError Prohibited", err)
	}
	open[0].Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("session after closing one: %v", err)
	}
	sess.Close()
	open[1].Close()
}

func TestMaxSessionsSequential(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{MaxSessions: 1}))
	for i := range 20 {
		if _, _, err := run(t, c, "true", ""); err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
	}
}

func TestMaxSessionsPerConnection(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{MaxSessions: 1})
	a, b := dial(t, s), dial(t, s)
	sa, err := a.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	sb, err := b.NewSession()
	if err != nil {
		t.Fatalf("second connection limited by the first: %v", err)
	}
	sb.Close()
}

func TestGlobalRequestsGetReply(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	ok, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
	if err != nil || ok {
		t.Errorf("keepalive: ok %v err %v, want a failure reply like sshd's", ok, err)
	}
}

func TestOtherChannelTypesRejected(t *testing.T) {
	t.Parallel()
	c := dial(t, newTestServer(t, Options{}))
	_, err := c.Dial("tcp", "127.0.0.1:1")
	if err == nil {
		t.Error("direct-tcpip accepted")
	}
}
