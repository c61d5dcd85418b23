package vmconn

import (
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// agentState is the agent forwarding of one connection. x/crypto takes
// one handler per channel type and connection, for the connection's
// life, so the state outlives AgentForward values and only its source
// changes. Fields are guarded by agentStates.
type agentState struct {
	request sync.Mutex // held while the socket is asked for

	source agentSource // nil: requests are refused
	socket string      // the remote socket, once known
	open   int         // AgentForward values not closed
}

// agentStates holds the state of every connection that forwarded an
// agent; an entry goes when its connection ends.
var agentStates = struct {
	sync.Mutex
	m map[*conn]*agentState
}{m: map[*conn]*agentState{}}

// agentStateOf returns cn's state, registering the channel handler (a
// goroutine that belongs to cn) on first use.
func agentStateOf(cn *conn) *agentState {
	agentStates.Lock()
	defer agentStates.Unlock()
	if st, ok := agentStates.m[cn]; ok {
		return st
	}
	st := &agentState{}
	agentStates.m[cn] = st
	chans := cn.ssh.HandleChannelOpen("auth-agent@openssh.com")
	if chans == nil {
		return st // cannot happen: only this file registers the type
	}
	if !cn.add(1) {
		delete(agentStates.m, cn) // closing: nothing to serve
		return st
	}
	go func() {
		defer cn.wg.Done()
		for nc := range chans { // closed when the connection ends
			agentStates.Lock()
			source := st.source
			agentStates.Unlock()
			serveAgentChannel(cn, nc, source)
		}
		agentStates.Lock()
		delete(agentStates.m, cn)
		agentStates.Unlock()
	}()
	return st
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
