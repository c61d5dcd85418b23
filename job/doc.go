// Package job runs commands detached on a machine reached with vmconn: a
// job outlives the connection, for commands that break the link they run
// over (network reconfiguration, package upgrades) or run for hours.
//
//	j, err := job.Start(ctx, client, "apt-get -y dist-upgrade", nil)
//	...
//	err = j.Follow(ctx, os.Stdout, os.Stderr) // resumes at the exact byte after each reconnect
//
// Start starts a job, Attach finds one again by ID (from another process,
// or after the caller restarted), List lists the jobs with their state,
// Prune removes old ones, and a *Job's methods follow, signal, inspect and
// remove it. The command is never re-run: a reconnect re-attaches to the
// same job, and a job lost to a reboot is reported (*LostError), not
// repeated.
//
// Package job is built on vmconn's exported API only (vmconn.Client's
// Command, Output, BootID and Config, vmconn.ShellQuote, vmconn.ExitError):
// what a user would need to build it. It shares
// with the core only internal text helpers (the "vmconn: " prefix, said
// once), no back door into the Client.
//
// The job directory: Start creates it with "mktemp -d" (mode 0700,
// umask 077) under Options.Dir, by default
// ${XDG_CACHE_HOME:-$HOME/.cache}/vmconn/jobs: not /tmp, which is often
// wiped by a reboot, because a job's logs and exit status must outlive
// one. Its name is the job's ID, "YYYYMMDD-HHMMSS-XXXXXX" (UTC start
// time, then random). Dir is its physical path (symbolic links resolved).
// Every job call first checks the directories it uses, as OpenSSH's
// StrictModes does, and refuses with ErrUntrusted, naming the
// directory and the reason, unless the base directory and the job
// directory are owned by the user and writable by no one else, and each
// directory above them, up to the user's home directory or /, is owned by
// the user or root and writable by no one else unless it is sticky (like
// /tmp): otherwise another user could swap in a job directory of their
// own, with its output, exit status and pid. It holds:
//
//	command     the command as given
//	boot_id     the machine's boot id when the job started (as vmconn.Client.BootID reads it)
//	started     the start time, in seconds since the epoch
//	timeout     Options.Timeout in seconds, 0 for none
//	pid         the command's process id: its process group and session id
//	wrapper     the pid of the wrapper shell that waits for the command
//	mechanism   how the wrapper's life is told: "flock" or "pid" (see Mechanism)
//	lock        flock: locked by the wrapper for as long as it lives
//	wrapper.start  pid: the wrapper's start time, from /proc/PID/stat
//	wrapper.boot   pid: the kernel's boot id when the wrapper started (where the kernel has one)
//	stdout      the command's standard output, as written
//	stderr      the command's standard error, as written
//	exit        "STATUS ENDED\n", written atomically (temp file, then mv) at the end
//	timedout    present if Options.Timeout killed the job
//	launch.log  errors of the wrapper itself, if any
//
// Detaching: the wrapper runs as "setsid -f /bin/sh -c WRAPPER" with its
// stdin, stdout and stderr away from the SSH session, and starts the
// command with setsid again: the wrapper and the command each have a
// session and process group of their own, with no controlling terminal,
// so neither a closed SSH session, a restarted sshd, a lost link nor a
// hangup reaches them (which is what nohup is for: it is not needed, and
// not used, so that the command keeps default signal handling and
// Job.Kill with SIGHUP works). Job.Kill signals the command's whole
// process group while the wrapper lives on to record the exit status,
// once it has checked that the pid file names the job's own process: a
// number above 1, of a running process that leads its process group and
// has VMCONN_JOB_DIR=<the job directory> in its environment. The command
// gets that variable from the wrapper (and so do its children); a command
// that replaces itself with a program run without it (exec env -i ...)
// can no longer be killed with Job.Kill. The
// command runs in /bin/sh with -c, in the login directory
// and with the session's umask, like vmconn.Client.Command's commands; its stdin
// is /dev/null. (With a setsid that lacks -f, such as busybox's, the
// wrapper is started as a background job, and the command then ignores
// SIGINT and SIGQUIT, as POSIX shells make background jobs do.) Where
// systemd-logind kills a user's processes when the last session ends
// (KillUserProcesses=yes), set Options.SystemdScope and enable
// lingering ("loginctl enable-linger USER").
//
// The machine needs a POSIX sh, mktemp, setsid and tail (coreutils,
// util-linux or busybox: Debian's busybox has them all), and Linux's /proc
// for Job.Kill; flock and GNU tail's --pid are used where present but
// not needed, and nohup, pgrep and pkill are not used. Where flock is missing, the wrapper's
// pid and its process's start time tell "still running" from "died"
// (Status.Mechanism says which of the two a job uses). With GNU tail (coreutils), a line the job writes
// reaches Follow's writers as soon as the file changes (inotify); other
// tails poll the file at their own pace (busybox: once a second).
//
// Following: Follow runs one remote process per connection that reads
// each log from the offset already delivered ("tail -c +N -f") and ends
// when the wrapper does. It counts the bytes it hands to the caller's
// writers and trusts nothing else: after a lost connection it reconnects
// (see vmconn.Config.ReconnectTimeout) and resumes at those offsets, so every
// byte arrives exactly once and in order, however often the link drops.
// If the job ended meanwhile, the rest of the logs and the exit status
// are read without re-running anything. If the machine rebooted (its boot
// id is no longer the job's) before the job ended, Follow returns a
// *LostError. Output that processes the job left behind write to the
// logs after the job itself ended may not be delivered.
package job
