// Package sshdtest starts a real OpenSSH sshd on loopback for integration
// tests, as net/http/httptest starts an HTTP server.
//
// Start writes a private sshd_config, host and client keys and
// known_hosts files into a temporary directory, runs
// "sshd -D -f <dir>/sshd_config -E <dir>/sshd.log" on a free 127.0.0.1 port
// and waits until it sends its SSH banner (with internal/sshd, the
// launcher the other harnesses and the benchmarks share). t.Cleanup stops the daemon, kills
// every process that belongs to it and removes the directory (and the
// throwaway user of Options.PasswordUser).
//
// # Running as root and as another user
//
// As root (how CI runs), sshd runs inside a private mount namespace in which
// an empty file is bind-mounted over the user's ~/.bashrc, ~/.profile,
// ~/.bash_profile and ~/.bash_login, so that remote commands neither pay for
// nor print what those files do (see Options.KeepRCFiles). The namespace also
// names the server's processes: KillAll finds every one of them, even a
// daemonised command whose parent has exited.
//
// As any other user, sshd runs without a namespace and can only log in as
// that user; the rc files run as they would over a real login; a pty
// request kills the connection (sshd cannot chown the tty to the tty group);
// processes are found by walking /proc from the daemon's pid, so a command
// that daemonises itself (its parent exits) escapes KillAll. Features that
// need root (Options.PasswordUser) skip the test, or fail it when CI=true:
// see Require and RequireRoot.
//
// # Keys
//
// A test process makes each key once (with ssh-keygen) and copies it to
// every server it starts: RSA and passphrase-protected keys take hundreds
// of milliseconds to make. Its servers therefore share their host keys and
// client keys; their known_hosts files differ by port.
//
// # Processes of OpenSSH's sshd
//
// The listener forks one process per connection, which calls setsid(2), and
// each command runs in a session of its own as well: killing the listener's
// process group reaches none of them. Like "systemctl restart ssh", Stop and
// Restart end only the listener, and open connections go on; KillConnections
// and KillAll end them.
//
// sshd logs to a file (-E) rather than to its stderr (-e) because, at
// LogLevel DEBUG1, -e makes the session processes write debug lines into the
// client's stderr stream.
package sshdtest
