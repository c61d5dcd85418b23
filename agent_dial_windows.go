//go:build windows

package vmconn

import (
	"net"
	"strings"
	"time"

	"github.com/Microsoft/go-winio"
)

// defaultAgentAddress is the named pipe of Windows' OpenSSH agent service
// (ssh-agent), which ssh uses when $SSH_AUTH_SOCK is unset.
const defaultAgentAddress = `\\.\pipe\openssh-ssh-agent`

// agentPipeTimeout bounds the wait for a busy agent pipe.
const agentPipeTimeout = 2 * time.Second

// isAgentPipe reports whether addr names a named pipe (\\.\pipe\NAME or
// //./pipe/NAME) rather than a Unix socket.
func isAgentPipe(addr string) bool {
	lower := strings.ToLower(addr)
	return strings.HasPrefix(lower, `\\.\pipe\`) || strings.HasPrefix(lower, `//./pipe/`)
}

// dialAgentPipe connects to the agent's named pipe.
func dialAgentPipe(addr string) (net.Conn, error) {
	timeout := agentPipeTimeout
	return winio.DialPipe(strings.ReplaceAll(addr, "/", `\`), &timeout)
}
