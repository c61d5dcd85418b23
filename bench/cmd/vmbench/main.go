// Command vmbench compares vmconn with raw golang.org/x/crypto/ssh, the
// OpenSSH client and paramiko against real OpenSSH sshd instances on
// loopback. bench/run.sh installs what it needs, runs it twice and writes
// BENCHMARKS.md; run it from there.
//
//	vmbench run -o FILE [flags]           one full run; results as JSON
//	vmbench report -o FILE -svg FILE RUN.json...
//	                                      BENCHMARKS.md and the fan-out chart
//
// Two more subcommands are vmbench's own helpers: fanout-worker runs a
// vmconn fan-out in a process of its own (so that its memory is measured
// as the other clients' is) and alive-worker probes a dead host inside a
// private network namespace.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(os.Args[2:])
	case "report":
		err = cmdReport(os.Args[2:])
	case "fanout-worker":
		err = cmdFanoutWorker(os.Args[2:])
	case "alive-worker":
		err = cmdAliveWorker(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: vmbench run -o FILE [flags] | vmbench report -o FILE -svg FILE RUN.json...")
	os.Exit(2)
}
