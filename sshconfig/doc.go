// Package sshconfig reads OpenSSH client configuration files,
// ssh_config(5), and maps what they say about a host onto a
// vmconn.Config and the jump hosts to reach it, as ssh(1) does:
//
//	sc, err := sshconfig.Load("") // ~/.ssh/config
//	r, err := sc.Resolve("myvm", nil)
//	c, err := r.Dial(ctx) // through r.Jumps, if any
//
// What the caller sets explicitly wins over the file. Directives that
// vmconn does not implement although they matter for security or for
// where the connection goes are never dropped silently: they are named in
// Resolved.Warnings. ProxyCommand is run by a vmconn.ProxyCommand.
//
// The package builds on vmconn's exported API only: vmconn.ParseTarget,
// vmconn.ParseJumpList and vmconn.JumpConfig for destinations and hops,
// and vmconn.CheckIdentityFile to skip an IdentityFile that Dial could
// not use, as OpenSSH skips it. Those are what any other front end to
// vmconn (a different configuration format) would need too, so the core
// exports them rather than giving this package a private door. Parsing
// is done by github.com/kevinburke/ssh_config.
package sshconfig
