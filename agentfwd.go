package vmconn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

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
		agentStates.Lock()
		defer agentStates.Unlock()
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
	st := agentStateOf(cn)
	st.request.Lock()
	defer st.request.Unlock()
	agentStates.Lock()
	st.source, st.open = source, st.open+1
	sock := st.socket
	agentStates.Unlock()
	f := &AgentForward{Socket: sock, st: st}
	if sock != "" {
		return f, nil
	}
	if sock, err = c.requestAgent(ctx); err != nil {
		f.Close()
		return nil, err
	}
	agentStates.Lock()
	st.socket, f.Socket = sock, sock
	agentStates.Unlock()
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
