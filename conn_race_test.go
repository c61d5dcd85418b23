package vmconn_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh/agent"
)

// TestConnEndsUnderCalls: calls that start goroutines on a connection
// (a session opening, a command's waiter, a keepalive, the kill of a
// cancelled command, agent forwarding) race with the connection ending
// and with Close. Run with -race: no call may add a goroutine to a
// connection whose Close is already waiting for its goroutines.
func TestConnEndsUnderCalls(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for range 80 {
		cfg := testConfig(srv)
		cfg.ReconnectTimeout = -1
		c := dialTest(t, srv, cfg)
		var wg sync.WaitGroup
		for _, call := range connCalls(c) {
			wg.Go(func() {
				for range 20 {
					if call() != nil {
						return
					}
				}
			})
		}
		time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
		if rand.IntN(2) == 0 {
			srv.DropConnections()
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
		}
		c.Close()
		wg.Wait()
	}
}

// connCalls are calls that each start a goroutine on the connection.
func connCalls(c *vmconn.Client) []func() error {
	ctx := context.Background()
	return []func() error{
		func() error { _, err := c.Ping(ctx); return err },
		func() error { _, err := c.Output(ctx, "true"); return err },
		func() error {
			ctx, cancel := context.WithTimeout(ctx, time.Duration(rand.IntN(3000))*time.Microsecond)
			defer cancel()
			cmd := c.Command(ctx, "sleep 5")
			cmd.WaitDelay = time.Millisecond
			if err := cmd.Run(); c.Err() != nil {
				return err
			}
			return nil
		},
		func() error {
			f, err := c.ForwardAgent(ctx, agent.NewKeyring())
			if err == nil {
				f.Close()
			}
			return c.Err()
		},
	}
}
