// Package vmconn keeps a dependable SSH hold on remote Linux machines
// (VMs, bare metal, cloud instances) while they misbehave, and tells the
// caller, for every command, what happened: its output, its exit status,
// and whether the connection was lost on the way.
//
// # Connecting
//
// Dial connects and authenticates as ssh does: public keys first
// (Config.Signers, then the key files in order, signed by the ssh-agent
// when it holds them, then the agent's other keys unless
// Config.IdentitiesOnly), then a password. Host keys are
// verified against ~/.ssh/known_hosts by default; HostKeyAcceptNew trusts
// first-seen hosts and HostKeyInsecureIgnore, asked for by name, accepts
// anything. The TCP connect and the SSH handshake are bounded together by
// the context and Config.ConnectTimeout.
//
// # Running commands
//
// Client.Command returns a Cmd that works like os/exec.Cmd: set Stdin,
// Stdout, Stderr, Env or PTY, then Run, Output, CombinedOutput, or Start
// and Wait. Output reaches the writers as the remote command writes it,
// in constant memory. Lines adapts a per-line callback to the two writers.
// Set Cmd.Sudo to run the command as root (or another user) through sudo;
// a refusal by sudo is a *SudoError.
//
// # Errors
//
// Failures are classified by sentinel errors, tested with errors.Is, and
// Retryable says whether trying again can help: ErrConfig, ErrAuth,
// ErrHostKeyUnknown, ErrHostKeyChanged, ErrHostKeyRevoked, ErrClosed,
// ErrRebooted (never), ErrUnreachable, ErrTimeout, ErrHandshake,
// ErrConnLost (after a reconnect). What each error wraps:
//
//   - Dial, and a reconnection: an *OpError with exactly one sentinel
//     (host keys as a *HostKeyError), or the end of the caller's context.
//     ErrTimeout is only ever vmconn's own bound passing: ConnectTimeout,
//     ReconnectTimeout, missed keepalives, the alive timeout.
//   - A command that ran and failed: an *ExitError (status and signal),
//     no sentinel.
//   - A command whose channel closed without an exit status (a killed
//     sshd, a reboot, a cut link): ErrNoExitStatus, with ErrConnLost when
//     the connection is gone or ErrClosed when the Client was closed. Its
//     outcome is unknown and vmconn never re-runs it.
//   - The caller's context ending (cancel or deadline): context.Canceled
//     or context.DeadlineExceeded, never ErrTimeout; a command stopped so
//     has no exit code (Cmd.ExitCode is -1). Not retryable.
//   - A *RebootError: ErrRebooted and the operation's own error, with
//     whatever that wraps; not retryable, whatever that is.
//   - Jobs: see package job (job.ErrLost, a *job.LostError, wraps
//     ErrRebooted after a reboot); copies: transfer.ErrChecksum (retryable);
//     alive.Wait, when ctx's deadline passes first: ErrTimeout with
//     context.DeadlineExceeded (its verdict: not alive in time).
//
// Retryable consults the first error in the chain, outermost first, that
// has a method Retryable() bool; an error of another package can take part
// by having one. An error a call returns says "vmconn: " once, at its
// start; an Event's Err may be bare ("connection lost: EOF").
//
// # Context rules
//
// Every blocking call takes a context. When a command's context ends,
// vmconn signals the command over SSH and also kills, from a second
// session, every remote process carrying the command's marker, with its
// process group (servers may ignore SSH signals: OpenSSH does for root
// logins), then returns within Cmd.WaitDelay plus a round trip.
//
// # Concurrency and liveness
//
// A Client is safe for concurrent use: commands are multiplexed over one
// connection, at most Config.MaxSessions at once (more wait for a free
// session instead of failing, also when the server's own MaxSessions is
// lower: a refused session is asked for again until the context ends or,
// without a deadline, Config.SessionWait passes). Every channel open and
// session request is bounded by the context. Keepalives are on by
// default: when KeepaliveCountMax replies in a row are missed, the
// connection is declared lost, so a half-open link fails every waiting
// call instead of hanging it. Close stops a
// reconnection in flight (every call waiting on it fails with ErrClosed)
// and waits for every goroutine the client started, but for a
// Client.OnEvent subscriber's goroutine with a call under way.
//
// # Reboots
//
// Client.BootID reads /proc/sys/kernel/random/boot_id. Guard and
// Cmd.RebootGuard compare it before and after an operation (reconnecting
// if needed) and report a change as a *RebootError; Reboot reboots and
// waits for a new boot id. Config.OnEvent receives connection state
// changes, and so does each subscriber of Client.OnEvent.
//
// # Jobs
//
// Package vmconn/job runs commands detached, outliving the connection.
//
// # Liveness and fleets
//
// Package vmconn/alive tells, layer by layer (SSH, TCP, ICMP), whether a host is alive.
// Package vmconn/fanout runs one command on many hosts.
//
// # The OpenSSH world
//
// Package vmconn/sshconfig reads ~/.ssh/config (ssh_config) for Dial.
//
// Package vmconn/transfer copies files over SFTP (Upload, Download), on Client.NewSession.
//
// Package vmconn/forward forwards ports (-L, -R, -D) that come back by
// themselves after a reconnection.
//
// Package vmconn/control shares one Client with other processes of the
// same user over a Unix socket, as OpenSSH's ControlMaster does (the
// CLI's --control-persist).
//
// DialVia goes through jump hosts, and a ProxyCommand, set as
// Config.DialContext, through a command; Cmd.Sudo runs a command as root;
// Client.ForwardAgent forwards an agent when asked. User certificates
// (Config.CertificateFiles, a KEY-cert.pub beside a key file) and
// @cert-authority lines in known_hosts work as they do for ssh.
//
// # Remote shell
//
// sshd runs every command through the user's login shell, and login
// shells disagree about syntax (fish, tcsh, zsh). So vmconn sends each
// command in an envelope: one exec line that every login shell (sh, bash,
// dash, zsh, mksh, fish, tcsh, busybox sh) passes unchanged to /bin/sh,
// which decodes and runs the command with its marker (MarkerEnv, which
// lets a cancelled command's processes be found and killed). Cmd.Command
// is therefore always parsed by /bin/sh: build it from untrusted words
// with ShellQuote or ShellJoin. Secrets stay off command lines, where ps
// would show them: Cmd.Env values travel on the channel's standard input
// ahead of Cmd.Stdin, and a Sudo password is written only when sudo
// prints its prompt. Cmd.Raw sends the command as it is, parsed by the
// login shell. REMOTE.md gives the wire format and what vmconn needs on
// the machine (a POSIX /bin/sh; /proc, grep -z, sed and kill to cancel).
//
// # Feature packages
//
// The features beside the core are packages of their own that build on
// the core's exported API only, as ssh/agent and ssh/knownhosts do beside
// golang.org/x/crypto/ssh: job (detached jobs), alive (layered liveness),
// sshconfig (~/.ssh/config), transfer (SFTP copies), fanout (many
// hosts), forward (port forwards) and control (connection sharing). Where a feature needed something the core kept private, the
// core grew exported API that any user could build the same feature on,
// rather than an internal back door: Client.OnEvent, because code that
// must re-establish state after a reconnection (forwards, a shared
// connection) needs to hear of it without taking the single
// Config.OnEvent, which runs inside the reconnection; Client.Keepalive
// (one round trip that never reconnects) and Client.Config, for liveness
// checks of an open connection; and a session-level API, for features
// that open SSH sessions of their own. Code that only
// vmconn's packages share (shell quoting, of which ShellQuote and
// ShellJoin are the exported face) lives under internal/.
//
// # Testing
//
// Package vmtest is an in-process SSH server, like net/http/httptest,
// that runs commands in a real shell on the local machine and can drop,
// stall and refuse connections: use it to test code built on vmconn.
package vmconn
