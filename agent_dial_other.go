//go:build !windows

package vmconn

import (
	"errors"
	"net"
)

// defaultAgentAddress is empty: without $SSH_AUTH_SOCK there is no agent,
// as with ssh.
const defaultAgentAddress = ""

// isAgentPipe reports false: named pipes are Windows'.
func isAgentPipe(string) bool { return false }

// dialAgentPipe is never called: isAgentPipe is false.
func dialAgentPipe(string) (net.Conn, error) { return nil, errors.ErrUnsupported }
