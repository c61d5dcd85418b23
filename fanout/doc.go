// Package fanout runs one command on many hosts at once, each over its
// own vmconn connection, and reports what happened on each as a Result
// with a Class (OK, Failed, Unreachable, Auth, Error):
//
//	for _, r := range fanout.Run(ctx, hosts, "uptime", &fanout.Options{Config: cfg}) {
//		fmt.Println(r.Host, r.Class, r.ExitStatus)
//	}
//
// One host's failure never touches the others. Output is collected per
// host, streamed with a "host: " prefix on each line, or handed to
// writers of the caller's choosing (Options.Output). Options.OnResult
// sees each host's Result as soon as that host ends, while the others
// still run.
//
// Each host is reached with Options.Config, or by Options.Dial, a hook
// that connects to one host as the caller sees fit: its own ssh_config
// entry (see package sshconfig: Resolve, then Resolved.Dial), jump
// hosts, a shared connection. The vmconn CLI passes the very function
// that dials a single host, so that every setting applies to each host
// of a fleet on its own.
//
// Fleet jobs: RunJobs starts a detached job (see package job) on every
// host and follows them all, each on its own connection, resuming on its
// own at the exact byte after its own disconnects; StartJobs only starts
// them, and AttachJobs follows them again, from this or another process,
// at the offsets a Result's Job gives.
//
// The package uses vmconn's exported API only (Dial, Client.Command,
// Lines and the sentinel errors) and packages job and alive; Classify is
// exported so that other front ends (the vmconn CLI) name outcomes the
// same way.
package fanout
