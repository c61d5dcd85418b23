// Package vmtest provides an in-process SSH server for tests, in the spirit
// of net/http/httptest: a fake "VM" reachable on 127.0.0.1 that runs real
// shell commands, serves SFTP, fakes the commands a test chooses, and
// fails on demand.
//
// # Using it in a test
//
// New starts a server for a test and closes it when the test ends;
// Server.Config returns a vmconn.Config that logs in to it:
//
//	srv := vmtest.New(t, vmtest.Options{})
//	client, err := vmconn.Dial(ctx, srv.Addr(), srv.Config())
//
// OpenSSH's ssh, scp and sftp log in with "-F srv.SSHConfigFile() vmtest",
// and the CLI's "vmconn testserver" runs a server in the foreground for
// programs in any language. Options.HostKey and Options.ClientKey fix the
// keys, which are otherwise new for every server.
//
// # What runs where
//
// A Server runs every command it is asked to execute on the local machine,
// as the current user, in Options.Shell (default /bin/sh) with "-c". It is a
// test helper, not a sandbox: only point it at code you would run locally.
// Each server has a home directory of its own (Server.Home), a temporary
// directory that Close removes: commands start there and find it as HOME,
// with XDG_CACHE_HOME (and the other XDG base directories),
// XDG_RUNTIME_DIR and TMPDIR beneath it, so that files and vmconn jobs
// stay in the test's files. Options.RealHome gives commands the user's
// own home and variables instead. The "sftp" subsystem is served in
// process (github.com/pkg/sftp) on the local file system, relative paths
// from the same home, unless Options.NoSFTP.
//
// # Faking commands
//
// Options.Handler answers exec requests instead of the shell, as an
// http.Handler answers requests: a Handler gets each Command (the line
// as the client gave it, vmconn's envelope decoded, with its Env values
// and standard input) and returns an Exit: a status, a signal, or a
// Fault (Hang, NoExitStatus, DropConnection, RebootMachine,
// StallServer). Fakes is a table of them, by exact line or regular
// expression, with scripted output, delays and faults (Fake), that
// passes other commands to the real shell (Shell) or refuses them
// (Refuse) and records every call for assertions. Server.Commands
// records every command line, faked or not.
//
// No test can reboot the machine it runs on through vmtest: vmtest never
// passes a command that could reboot or power off the machine to the
// shell (Shell is the only Handler that reaches it). Command lines whose
// first word (after an optional "sudo" and its flags) is reboot,
// shutdown, poweroff or halt, or that are
// "systemctl reboot|poweroff|halt" or "init 0|6", are intercepted and
// answered by [Server.Reboot]: the connection drops without an exit status
// and the fake machine comes back with a new boot id. Any other command line
// that mentions those words is refused with exit status 126, and a message
// on stderr that names the word. The exact
// command line "cat /proc/sys/kernel/random/boot_id" is answered with the
// fake boot id, which every command also finds in $VMTEST_BOOT_ID. Both
// matches, Server.Commands and the logs see through vmconn's envelope
// (see vmconn's REMOTE.md): they get the command as the caller gave it, so
// a plain client.Command(ctx, "reboot") reaches the fake reboot too. (Real reboots
// are tested with internal/vmhost, inside a PID namespace of their own.)
//
// # Sessions and processes
//
// The server behaves like OpenSSH's sshd where a client can tell:
//
//   - each command runs in its own session and process group (pid == pgid),
//     so "kill -- -PGID" from another session reaches the whole command;
//   - stdout and stderr are streamed as produced, on the channel's data and
//     extended-data streams; stdin is the channel's input, closed on EOF;
//   - a command that exits sends "exit-status"; one killed by a signal sends
//     "exit-signal" (RFC 4254 6.10) and no exit status;
//   - "signal" requests are delivered to the command's process group;
//   - a "pty-req" runs the command on a pseudo-terminal;
//   - when a channel or connection closes before its command ends, the
//     command is not killed: its stdin is closed and its output goes nowhere
//     (writes fail with EPIPE, or it gets SIGHUP on a pty), as with sshd;
//   - port forwarding works on loopback only: "direct-tcpip" channels
//     (ssh -L, -D) reach loopback addresses, "tcpip-forward" and
//     "cancel-tcpip-forward" (ssh -R) listen on loopback; other addresses
//     are refused;
//   - keepalive@openssh.com and other global requests get a failure reply,
//     as from sshd.
//
// Close and Reboot kill (SIGKILL) every process group the server started,
// and on Linux every process marked with MarkerEnv (see Platforms).
//
// # Faults
//
// DropConnections, StopListening, StartListening, Stall and Reboot simulate
// a cut link, a refused port, a black-holed link and a reboot.
//
// # Platforms
//
// The package builds everywhere. A Server runs wherever there is a POSIX
// shell and Unix sessions and process groups: Linux, macOS and FreeBSD.
// On Windows, Start returns ErrUnsupported and NewServer panics with its
// message; NewBlackhole fails the same way. Only Linux is tested (CI
// cross-compiles the rest). Finding the processes that left their
// process group, so that Close and Reboot kill them too, needs Linux's
// /proc: elsewhere such processes outlive the server.
//
// # Concurrency
//
// All methods of Server are safe for concurrent use. Close waits for every
// goroutine the server started and reaps every process it started.
package vmtest
