package vmtest

import (
	"crypto"
	"log/slog"
	"time"
)

// DefaultRebootDowntime is how long a rebooting Server refuses connections
// when Options.RebootDowntime is zero.
const DefaultRebootDowntime = 200 * time.Millisecond

// Options configures a Server. The zero value is a working configuration.
type Options struct {
	// Password, if non-empty, is accepted by password and
	// keyboard-interactive authentication. Empty disables both.
	Password string

	// MaxSessions limits the session channels open at once on one
	// connection, like sshd's MaxSessions. Opening one more fails with
	// reason ssh.Prohibited and message "no more sessions". Zero (or less)
	// means no limit.
	MaxSessions int

	// BootID is the initial boot id. Empty means a random UUID.
	BootID string

	// Shell runs every command as Shell -c COMMAND. Empty means "/bin/sh".
	Shell string

	// RebootDowntime is how long the server refuses connections during a
	// reboot. Zero means DefaultRebootDowntime.
	RebootDowntime time.Duration

	// Logger receives debug logs of connections and commands. Nil means
	// silent.
	Logger *slog.Logger

	// Handler answers every exec request (see Handler and Fakes). Nil
	// means Shell: every command runs in the real shell.
	Handler Handler

	// RealHome makes commands start in the user's own home directory with
	// the test process's HOME, XDG and TMPDIR variables, and SFTP paths
	// relative to it. False (the default) gives the server a home of its
	// own, a temporary directory that Close removes: HOME points there,
	// XDG_CACHE_HOME (and the other XDG base directories),
	// XDG_RUNTIME_DIR and TMPDIR beneath it, so that what commands and
	// jobs write stays in the test's files. See Server.Home.
	RealHome bool

	// NoSFTP refuses the "sftp" subsystem, as a server without an SFTP
	// server does. False (the default) serves SFTP (github.com/pkg/sftp)
	// on the local file system, as the current user.
	NoSFTP bool

	// HostKey is the server's host key: an ed25519.PrivateKey,
	// *ecdsa.PrivateKey or *rsa.PrivateKey, so that a known_hosts entry
	// stays valid across servers. Nil means a new ed25519 key.
	HostKey crypto.Signer

	// ClientKey is the client key the server accepts (ClientSigner,
	// ClientKeyFile), of the same types as HostKey. Nil means a new
	// ed25519 key.
	ClientKey crypto.Signer
}

// withDefaults returns o with its zero fields replaced by their defaults.
func (o Options) withDefaults() Options {
	if o.BootID == "" {
		o.BootID = newBootID()
	}
	if o.Shell == "" {
		o.Shell = "/bin/sh"
	}
	if o.RebootDowntime == 0 {
		o.RebootDowntime = DefaultRebootDowntime
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
