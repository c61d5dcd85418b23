package vmconn

import (
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

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
