package vmconn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// agentSource opens the agent that serves one forwarded channel.
type agentSource func() (agent.Agent, io.Closer, error)

// AgentForward is an SSH agent made reachable on the remote machine over
// one connection; see Client.ForwardAgent.
type AgentForward struct {
	// Socket is the remote path of the forwarded agent's socket
	// ($SSH_AUTH_SOCK of the commands run on the connection).
	Socket string

	st   *agentState
	once sync.Once
}

// Env returns "SSH_AUTH_SOCK=<Socket>", for a Cmd's Env.
func (f *AgentForward) Env() string { return "SSH_AUTH_SOCK=" + f.Socket }

// Close stops the forwarding: once every AgentForward of the connection
// is closed, agent requests from the remote machine are refused. Close is
// idempotent.
func (f *AgentForward) Close() error {
	f.once.Do(func() {
		f.st.mu.Lock()
		defer f.st.mu.Unlock()
		if f.st.open--; f.st.open == 0 {
			f.st.source = nil
		}
	})
	return nil
}

// ForwardAgent forwards an SSH agent to the remote machine, as ssh -A
// does; vmconn never forwards one unless asked. The agent is keyring, or,
// when keyring is nil, the local ssh-agent at Config.AgentSocket or
// $SSH_AUTH_SOCK.
//
// As with OpenSSH, forwarding belongs to the connection: until Close,
// every command run on it finds the agent through $SSH_AUTH_SOCK, and so
// can anyone who can reach that socket on the remote machine (root, or
// the same user). Forward only to machines you trust and Close when done.
// The forwarding ends with the connection; after a reconnection, call
// ForwardAgent again. When several are open on one connection, the last
// one's agent serves.
func (c *Client) ForwardAgent(ctx context.Context, keyring agent.Agent) (*AgentForward, error) {
	source, err := c.agentSource(keyring)
	if err != nil {
		return nil, err
	}
	cn, err := c.live(ctx)
	if err != nil {
		return nil, err
	}
	st := cn.agentState()
	st.request.Lock()
	defer st.request.Unlock()
	st.mu.Lock()
	st.source, st.open = source, st.open+1
	sock := st.socket
	st.mu.Unlock()
	f := &AgentForward{Socket: sock, st: st}
	if sock != "" {
		return f, nil
	}
	if sock, err = c.requestAgent(ctx); err != nil {
		f.Close()
		return nil, err
	}
	st.mu.Lock()
	st.socket, f.Socket = sock, sock
	st.mu.Unlock()
	return f, nil
}

// agentSource returns what serves each forwarded agent channel.
func (c *Client) agentSource(keyring agent.Agent) (agentSource, error) {
	if keyring != nil {
		return func() (agent.Agent, io.Closer, error) { return keyring, nopCloser{}, nil }, nil
	}
	sock := agentAddress(&c.cfg)
	if sock == "" {
		return nil, fmt.Errorf("vmconn: forward agent: no keyring given and no local agent (SSH_AUTH_SOCK): %w", ErrConfig)
	}
	return func() (agent.Agent, io.Closer, error) {
		conn, err := dialAgentAt(sock)
		if err != nil {
			return nil, nil, err
		}
		return agent.NewClient(conn), conn, nil
	}, nil
}

// requestAgent asks for agent forwarding in a session and returns the
// socket the server made for it.
func (c *Client) requestAgent(ctx context.Context) (string, error) {
	s, err := c.openSession(ctx)
	if err != nil {
		return "", err
	}
	defer s.release()
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	fail := func(err error) (string, error) {
		if ctx.Err() != nil {
			err = contextError(ctx, err)
		}
		return "", c.opError("forward agent", err)
	}
	if err := s.request(ctx, func() error { return agent.RequestAgentForwarding(s.Session) }, nil); err != nil {
		return fail(fmt.Errorf("server refused agent forwarding: %w", err))
	}
	stdout, err := s.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	marker := "__vmconn_agent_" + c.token + "="
	line := "printf '%s%s\\n' " + marker + " \"$SSH_AUTH_SOCK\""
	if err := s.request(ctx, func() error { return s.Start(line) }, nil); err != nil {
		return fail(classed(ErrConnLost, err))
	}
	sock, err := readAgentSocket(stdout, marker)
	if err != nil {
		return fail(err)
	}
	return sock, nil
}

// readAgentSocket reads lines until the marked one.
func readAgentSocket(r io.Reader, marker string) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sock, ok := strings.CutPrefix(sc.Text(), marker); ok {
			if sock == "" {
				return "", errors.New("server gave no agent socket (AllowAgentForwarding no?)")
			}
			return sock, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading the agent socket's name: %w", err)
	}
	return "", errors.New("session ended before it named the agent socket")
}

// agentState is the agent forwarding of one connection, held by the
// connection (conn.agentState). x/crypto takes one handler per channel
// type and connection, for the connection's life, so the state outlives
// AgentForward values and only its source changes.
type agentState struct {
	request sync.Mutex // held while the socket is asked for

	mu     sync.Mutex  // guards the fields below
	source agentSource // nil: requests are refused
	socket string      // the remote socket, once known
	open   int         // AgentForward values not closed
}

// currentSource returns what serves agent channels now.
func (st *agentState) currentSource() agentSource {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.source
}

// agentState returns the connection's agent forwarding state, registering
// the channel handler (a goroutine that belongs to cn) on first use.
func (cn *conn) agentState() *agentState {
	cn.agentOnce.Do(func() {
		cn.agent = &agentState{}
		cn.serveAgent(cn.agent)
	})
	return cn.agent
}

// serveAgent serves the agent channels the server opens, until the
// connection ends.
func (cn *conn) serveAgent(st *agentState) {
	chans := cn.ssh.HandleChannelOpen("auth-agent@openssh.com")
	if chans == nil {
		return // cannot happen: only this file registers the type
	}
	if !cn.add(1) {
		return // closing: nothing to serve
	}
	go func() {
		defer cn.wg.Done()
		for nc := range chans { // closed when the connection ends
			serveAgentChannel(cn, nc, st.currentSource())
		}
	}()
}

// serveAgentChannel accepts one agent channel and serves it from source
// in goroutines that belong to cn; a nil source refuses it.
func serveAgentChannel(cn *conn, nc ssh.NewChannel, source agentSource) {
	if source == nil {
		nc.Reject(ssh.Prohibited, "agent forwarding closed")
		return
	}
	a, closer, err := source()
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, "local agent unreachable")
		cn.log.Debug("vmconn: forwarded agent request refused", "err", err)
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		closer.Close()
		return
	}
	if !cn.add(2) {
		ch.Close()
		closer.Close()
		return
	}
	go func() {
		defer cn.wg.Done()
		ssh.DiscardRequests(reqs) // ends when the channel closes
	}()
	go func() {
		defer cn.wg.Done()
		_ = agent.ServeAgent(a, ch)
		ch.Close()
		closer.Close()
	}()
}

// agentAddress returns where the local ssh-agent listens: Config.AgentSocket,
// else $SSH_AUTH_SOCK, else the system's default (OpenSSH's named pipe on
// Windows, none elsewhere). Empty means no agent.
func agentAddress(cfg *Config) string {
	if cfg.AgentSocket != "" {
		return cfg.AgentSocket
	}
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		return sock
	}
	return defaultAgentAddress
}

// dialAgentAt connects to the ssh-agent at addr: a Unix socket, or on
// Windows also a named pipe (see dialAgentPipe).
func dialAgentAt(addr string) (net.Conn, error) {
	if isAgentPipe(addr) {
		return dialAgentPipe(addr)
	}
	return net.Dial("unix", addr)
}
