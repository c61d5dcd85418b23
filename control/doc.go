// Package control shares one vmconn.Client with other processes of the
// same user, as OpenSSH's ControlMaster does: a Master serves the
// client's connection on a Unix socket, and Dial connects a process to
// it. vmconn's CLI uses it for --control-persist and ssh_config's
// ControlMaster, so that a script calling vmconn hundreds of times pays
// for one connection.
//
// The socket speaks SSH itself: after a one-line greeting that carries
// the settings key, the master is an SSH server for its clients, with an
// ephemeral host key the greeting announces and no authentication beyond
// the socket's. Each channel a client opens (a command's session, an
// SFTP subsystem, a direct-tcpip forward) is opened on the master's own
// connection and proxied byte for byte, with its requests (env, pty,
// exec, signal, window-change) and replies (exit-status, exit-signal).
// So a client through a master is an ordinary vmconn.Client: commands
// stream, take stdin, report status and signal, can be cancelled, and
// jobs and transfers work as on a direct connection.
//
// For a process that only runs one command, Run is cheaper: it sends the
// command line over the socket in a small framed protocol (no SSH, no
// handshake), and the master runs it on its connection as Cmd.Run would,
// streaming stdin, stdout and stderr over the socket and sending back
// the exit status or signal; cancelling Run stops the remote command.
// vmconn's CLI uses it for "vmconn exec" when no PTY, sudo or --json is
// asked for: a shared call then costs the calling process no SSH
// handshake, only its own start and one round trip on the socket. With
// vmconn.Config.WarmSession set on the master's Client (the CLI's
// masters set it), the remote side of such a command costs no session
// setup or login shell either: a warm session waits for it.
//
// When the master's connection to the machine is lost, the master
// closes its clients' connections (each sees the connection lost, as on
// a direct connection) and reconnects; clients that dial again wait for
// the new connection. When it cannot reconnect (the machine stays away
// past Config.ReconnectTimeout, or a reconnection fails for good), the
// master ends and removes its socket.
//
// # Trust
//
// A master serves only its own user: it checks the uid of every peer on
// the socket (SO_PEERCRED on Linux, LOCAL_PEERCRED on macOS and
// FreeBSD), and Dial refuses a socket, or a directory holding it, that
// another user owns or can write to. The settings key (see Key) names
// everything that decides the connection, so that processes with
// different users, keys or known_hosts settings never share one. Windows
// has no peer credentials on Unix sockets: there Listen and Dial return
// ErrUnsupported.
package control
