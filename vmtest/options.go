package vmtest

import (
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
