// Package vmconn keeps a dependable SSH hold on remote Linux machines
// (VMs, bare metal, cloud instances) while they misbehave, and tells the
// caller, for every command, what happened: its output, its exit status,
// and whether the connection was lost on the way.
//
// # Connecting
//
// Dial connects and authenticates with, in this order, Config.Signers,
// the ssh-agent, private key files, then a password. Host keys are
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
//
// # Errors
//
// Every failure wraps one sentinel error, tested with errors.Is:
// ErrConfig, ErrAuth, ErrHostKeyUnknown, ErrHostKeyChanged (never worth
// retrying), ErrUnreachable, ErrTimeout, ErrHandshake, ErrConnLost (worth
// retrying after a reconnect), ErrNoExitStatus, ErrClosed. Retryable
// tells them apart. A command that ran and failed returns an *ExitError
// with its status and signal; a command whose channel closed without an
// exit status (a killed sshd, a reboot, a cut link) returns an error
// wrapping ErrNoExitStatus, and also ErrConnLost when the connection is
// gone: its outcome is unknown and vmconn never re-runs it.
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
// session request is bounded by the context. Keepalives are on by default: when KeepaliveCountMax replies in
// a row are missed, the connection is declared lost, so a half-open link
// fails every waiting call instead of hanging it. Close waits for every
// goroutine the client started.
//
// # Reboots
//
// Client.BootID reads /proc/sys/kernel/random/boot_id. Guard and
// Cmd.RebootGuard compare it before and after an operation (reconnecting
// if needed) and report a change as a *RebootError; Reboot reboots and
// waits for a new boot id. Config.OnEvent receives connection state
// changes.
//
// # Jobs
//
// Client.StartJob runs a command detached on the machine (it survives lost
// connections, sshd restarts and the caller's own end); Job.Follow streams
// its output live and resumes at the exact byte after each reconnection;
// a reboot before the job ended returns a *JobLostError. AttachJob, Jobs,
// Job.Kill, Job.Cleanup and PruneJobs manage jobs by ID.
//
// # Liveness and fleets
//
// IsAlive asks a host, layer by layer and concurrently, whether it is
// alive: SSH, TCP, ICMP. FanOut.RunAll runs one command on many hosts.
//
// # The OpenSSH world
//
// LoadSSHConfig and SSHConfig.Resolve read ~/.ssh/config; DialVia goes
// through jump hosts; Client.Upload and Client.Download copy over SFTP;
// Client.Sudo runs commands as root; Client.ForwardAgent forwards an
// agent when asked.
//
// # Remote shell
//
// Commands run through the login shell of the remote user, which must be
// POSIX-like (sh, bash, dash, zsh, ksh): vmconn prefixes each command with
// builtin "export" statements, of its marker (MarkerEnv, which lets a
// cancelled command's processes be found and killed) and of Cmd.Env. Set
// Cmd.Raw for other shells. Build command lines from untrusted words with
// ShellQuote or ShellJoin.
//
// # Testing
//
// Package vmtest is an in-process SSH server, like net/http/httptest,
// that runs commands in a real shell on the local machine and can drop,
// stall and refuse connections: use it to test code built on vmconn.
package vmconn
