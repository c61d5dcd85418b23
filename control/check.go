package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Check asks the master at path about itself. key must be the master's
// settings key (ErrMismatch otherwise).
func Check(ctx context.Context, path, key string) (*Info, error) {
	var info Info
	err := request(ctx, path, key, requestInfo, false, func(reply []byte) error {
		return json.Unmarshal(reply, &info)
	})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// Stop asks the master at path to end: it takes no new clients, closes
// those connected (their commands see the connection lost) and removes
// its socket. Stop returns once the master has closed this connection
// too, which it does after removing the socket (or after 5 s, or when
// ctx ends): a call that follows finds no master, not one on its way
// out.
func Stop(ctx context.Context, path, key string) error {
	return request(ctx, path, key, requestStop, true, func([]byte) error { return nil })
}

// request sends one global request to the master and hands its reply
// to use; with waitClose, it then waits (bounded) for the master to
// close the connection. A connection that ends before the reply is a
// master on its way out: ErrStale, as Dial reports it.
func request(ctx context.Context, path, key, name string, waitClose bool, use func([]byte) error) error {
	c, err := Dial(ctx, path, key)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer c.Close()
	cfg := &ssh.ClientConfig{
		Config: ssh.Config{KeyExchanges: keyExchanges},
		User:   "control",
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			if string(k.Marshal()) != string(c.HostKey.Marshal()) {
				return fmt.Errorf("%w: host key is not the one its greeting announced", ErrUntrusted)
			}
			return nil
		},
	}
	sc, chans, reqs, err := ssh.NewClientConn(c, path, cfg)
	if err != nil {
		return errors.Join(ctx.Err(), stopping(err))
	}
	client := ssh.NewClient(sc, chans, reqs)
	defer client.Close()
	ok, reply, err := client.SendRequest(name, true, nil)
	if err != nil {
		return errors.Join(ctx.Err(), stopping(err))
	}
	if !ok {
		return fmt.Errorf("master refused %s", name)
	}
	if err := use(reply); err != nil || !waitClose {
		return err
	}
	closed := make(chan struct{})
	go func() { _ = client.Wait(); close(closed) }() // ends at the deferred Close at the latest
	t := time.NewTimer(greetingWait)
	defer t.Stop()
	select {
	case <-closed:
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// stopping marks an error that says the master closed the connection
// as ErrStale: it is on its way out.
func stopping(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("%w: %w", ErrStale, err)
	}
	return err
}
