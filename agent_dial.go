package vmconn

import (
	"net"
	"os"
)

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
