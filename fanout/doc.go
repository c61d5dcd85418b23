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
// writers of the caller's choosing (Options.Output).
//
// The package uses vmconn's exported API only (Dial, Client.Command,
// Lines and the sentinel errors); Classify is exported so that other
// front ends (the vmconn CLI) name outcomes the same way.
package fanout
