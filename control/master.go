package control

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// Master serves one vmconn.Client's connection to the processes of the
// same user that present the same settings key. Set the fields, then
// call Serve; a Master serves once.
type Master struct {
	// Client is the shared connection. The master reconnects it when it
	// is lost, and never closes it: that is the caller's, after Serve.
	Client *vmconn.Client

	// Key is the settings key clients must present (see Key).
	Key string

	// Persist is how long the master stays up with no client connected;
	// then Serve returns. Zero means no limit: until Stop, a "stop"
	// request from a client (see Stop), or the end of Serve's context.
	Persist time.Duration

	// Target names the connection in Check's answer ("user@host:port").
	Target string

	// Logger receives the master's records; nil means none.
	Logger *slog.Logger

	hostKey ssh.PublicKey // the ephemeral key the greeting announces

	mu      sync.Mutex
	clients map[io.Closer]<-chan struct{} // SSH clients and Run clients: the Done of the connection each joined on (nil: none was up)
	started time.Time
	idle    *time.Timer // runs while no client is connected
	stop    context.CancelCauseFunc
	ln      net.Listener
	served  int
	wg      sync.WaitGroup
}

// errIdle, errStopped end Serve without an error.
var (
	errIdle    = errors.New("idle for its persist time")
	errStopped = errors.New("stopped")
)

// Serve accepts clients on ln until the master is stopped, stays idle
// for Persist, ctx ends, or the connection is lost and cannot be made
// again. It closes ln, and every client's connection, before it returns:
// nil for a stop, an idle end or ctx, else the reconnection's error.
func (m *Master) Serve(ctx context.Context, ln net.Listener) error {
	log := m.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv, err := m.serverConfig()
	if err != nil {
		ln.Close()
		return err
	}
	ctx, stop := context.WithCancelCause(ctx)
	m.mu.Lock()
	m.stop, m.started, m.clients, m.ln = stop, time.Now(), map[io.Closer]<-chan struct{}{}, ln
	m.armIdleLocked()
	m.mu.Unlock()
	context.AfterFunc(ctx, func() { ln.Close() })

	m.wg.Add(1)
	go func() { defer m.wg.Done(); m.keepUp(ctx, log) }()
	m.accept(ctx, ln, srv, log)
	stop(errStopped)
	ln.Close() // the socket is gone when Serve returns
	m.dropClients()
	m.wg.Wait()
	m.mu.Lock()
	if m.idle != nil {
		m.idle.Stop()
	}
	m.mu.Unlock()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, errIdle) && !errors.Is(cause, errStopped) && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	return nil
}

// Stop makes Serve return: the socket is gone when Stop returns, and
// the clients connected are closed.
func (m *Master) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop != nil {
		m.stop(errStopped)
		m.ln.Close()
	}
}

// serverConfig makes the SSH server side: an ephemeral host key, and no
// authentication (the socket's peer check and the greeting come first).
func (m *Master) serverConfig() (*ssh.ServerConfig, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	srv := &ssh.ServerConfig{NoClientAuth: true, ServerVersion: serverVersion}
	srv.KeyExchanges = keyExchanges
	srv.AddHostKey(signer)
	m.hostKey = signer.PublicKey()
	return srv, nil
}

// accept serves each client in its own goroutine until ln is closed.
func (m *Master) accept(ctx context.Context, ln net.Listener, srv *ssh.ServerConfig, log *slog.Logger) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("vmconn: control: accept", "err", err)
				m.stop(fmt.Errorf("accept: %w", err))
			}
			return
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			if err := m.serveClient(ctx, c, srv); err != nil {
				log.Debug("vmconn: control: client refused", "err", err)
			}
		}()
	}
}

// keepUp watches the shared connection: when it is lost, the clients'
// connections are closed (each sees the loss, as on a direct connection)
// and it is made again; if that fails, Serve ends with the error.
func (m *Master) keepUp(ctx context.Context, log *slog.Logger) {
	for {
		lost := m.Client.Done()
		select {
		case <-ctx.Done():
			return
		case <-lost:
		}
		if ctx.Err() != nil {
			return
		}
		log.Info("vmconn: control: connection lost; reconnecting", "target", m.Target, "err", m.Client.Err())
		m.dropClientsOf(lost)
		if err := m.Client.Reconnect(ctx); err != nil {
			if ctx.Err() == nil {
				m.stop(err)
			}
			return
		}
		m.adoptWaiting()
	}
}

// dropClients closes every client's connection.
func (m *Master) dropClients() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for c := range m.clients {
		c.Close()
	}
}

// dropClientsOf closes the connections of the clients that joined while
// the connection whose Done is lost was up: they see it lost, as on a
// direct connection. One that joined after (while keepUp had not yet
// seen the loss) has nothing on it, and goes on with the next (see
// adoptWaiting).
func (m *Master) dropClientsOf(lost <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for c, on := range m.clients {
		if on == lost {
			c.Close()
		}
	}
}

// adoptWaiting records the clients that joined while no connection was
// up as on the current one, which they have been using since.
func (m *Master) adoptWaiting() {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.Client.Done()
	for c, on := range m.clients {
		if on == nil {
			m.clients[c] = now
		}
	}
}

// join and leave count the clients, for Persist.
func (m *Master) join(c io.Closer) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop == nil || m.clients == nil {
		return false
	}
	on := m.Client.Done()
	select {
	case <-on:
		on = nil // lost already: this client will use the next connection
	default:
	}
	m.clients[c] = on
	m.served++
	if m.idle != nil {
		m.idle.Stop()
		m.idle = nil
	}
	return true
}

func (m *Master) leave(c io.Closer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.clients, c)
	m.armIdleLocked()
}

// armIdleLocked starts the idle timer when no client is connected.
func (m *Master) armIdleLocked() {
	if m.Persist <= 0 || len(m.clients) > 0 || m.idle != nil {
		return
	}
	stop := m.stop
	m.idle = time.AfterFunc(m.Persist, func() { stop(errIdle) })
}

// ownUID is this process's uid, which every client must have.
var ownUID = os.Getuid()
