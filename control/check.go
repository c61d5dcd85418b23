package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"golang.org/x/crypto/ssh"
)

// Check asks the master at path about itself. key must be the master's
// settings key (ErrMismatch otherwise).
func Check(ctx context.Context, path, key string) (*Info, error) {
	var info Info
	err := request(ctx, path, key, requestInfo, func(reply []byte) error {
		return json.Unmarshal(reply, &info)
	})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// Stop asks the master at path to end: it takes no new clients, closes
// those connected (their commands see the connection lost) and removes
// its socket.
func Stop(ctx context.Context, path, key string) error {
	return request(ctx, path, key, requestStop, func([]byte) error { return nil })
}

// request sends one global request to the master and hands its reply
// to use.
func request(ctx context.Context, path, key, name string, use func([]byte) error) error {
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
		return errors.Join(ctx.Err(), err)
	}
	client := ssh.NewClient(sc, chans, reqs)
	defer client.Close()
	ok, reply, err := client.SendRequest(name, true, nil)
	if err != nil {
		return errors.Join(ctx.Err(), err)
	}
	if !ok {
		return fmt.Errorf("master refused %s", name)
	}
	return use(reply)
}
