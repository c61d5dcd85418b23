package sshdtest

// Options configure Start. The zero value starts a server on which the
// current user logs in with a key.
type Options struct {
	// MaxSessions is sshd's MaxSessions, the number of sessions open at
	// once on one connection; 0 keeps sshd's default of 10.
	MaxSessions int

	// PasswordUser creates a throwaway local user "vmconn-t-XXXXXXXX"
	// (useradd -m, shell LoginShell) with a random password, logs in as that
	// user (Server.User, Server.Password) and allows password and
	// keyboard-interactive authentication for that user only. The keys
	// are authorized for it too. Needs root; the user is removed
	// (userdel -r) at cleanup.
	PasswordUser bool

	// LoginShell is the login shell of the PasswordUser, by name ("fish")
	// or path; it is looked up on PATH. Zero means /bin/sh. Start skips
	// the test, or fails it under CI=true, when the shell is missing.
	LoginShell string

	// PAM sets "UsePAM yes": logins go through /etc/pam.d/sshd, which
	// keyboard-interactive needs to ask for a password (without PAM,
	// OpenSSH has no keyboard-interactive device and fails the method at
	// once). By default UsePAM is no and sshd checks passwords itself.
	PAM bool

	// ExtraConfig are more sshd_config lines. They come before the
	// harness's own lines, so they win (sshd keeps the first value of a
	// keyword); from the first "Match" line on they go at the end. Port,
	// ListenAddress, PidFile and HostKey belong to the harness.
	ExtraConfig []string

	// HostKeyTypes are the ssh-keygen -t types of the host keys; nil
	// means ed25519, ecdsa and rsa (2048 bits). A test process makes each
	// key once, so its servers share their host keys of one type (and
	// their client keys): making keys is most of the time Start takes.
	HostKeyTypes []string

	// KeepRCFiles leaves the user's shell start-up files (~/.bashrc and
	// the profiles) visible to sessions. By default, as root, they are
	// hidden behind an empty file; as another user they are never hidden.
	KeepRCFiles bool
}

// hostKeyTypes returns the host key types with the default applied.
func (o Options) hostKeyTypes() []string {
	if len(o.HostKeyTypes) == 0 {
		return []string{"ed25519", "ecdsa", "rsa"}
	}
	return o.HostKeyTypes
}
