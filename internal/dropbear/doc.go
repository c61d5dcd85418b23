// Package dropbear runs Dropbear's SSH server (Debian's dropbear-bin) for
// tests, as a second server beside OpenSSH's: it builds dropbear's command
// line and starts it through internal/sshd's launcher (sshd.Options.Argv),
// so that both servers share one lifecycle (start, wait for the banner,
// stop, kill). Dropbear has no configuration file: everything is an
// option, and logins read ~/.ssh/authorized_keys of the user alone, which
// the caller arranges (internal/vmhost mounts a home of its own over
// root's in the machine's mount namespace).
//
// Where Dropbear differs from OpenSSH, for the tests that run against both:
// it takes no SFTP subsystem unless an sftp-server is installed where it
// was built to look, answers an unknown global request
// ("keepalive@openssh.com") with a failure reply, which is an answer all
// the same, and runs commands with the user's login shell and its own
// PATH.
package dropbear
