// Package sshd runs OpenSSH's sshd for vmconn's test harnesses and
// benchmarks: internal/sshdtest (sshd on loopback), internal/netns and
// internal/vmhost (sshd inside namespace hosts) and bench/ (a farm of
// servers). It is the one place that writes an sshd_config, starts sshd,
// waits until it answers and stops it.
//
// It does not import package testing, so that programs (the benchmarks)
// use it as well as tests. The harnesses keep what only they need: their
// keys, their users, and the bookkeeping of the processes sshd forks.
//
// A Config renders an sshd_config: keys only, no DNS, no banner, no PAM,
// and PerSourcePenalties off (connections that tests kill count as
// crashes and would lock the client out). Start writes it, runs
//
//	[Prefix...] sshd -D -E LogFile -f ConfigFile
//
// where Prefix is how the caller gets sshd into its namespaces (unshare,
// nsenter, ip netns exec), and returns once sshd sends its SSH banner to
// Options.Dial. The Daemon it returns signals sshd through a pidfd, never
// through a pid that may have been reused.
package sshd
