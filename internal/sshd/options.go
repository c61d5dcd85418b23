package sshd

import (
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Options say how Start runs sshd. ConfigFile and Config are required,
// unless Argv is set.
type Options struct {
	// Argv, if set, is the server's command line after Prefix, its
	// program an absolute path, for another SSH server (internal/dropbear)
	// run with the same lifecycle: Config, ConfigFile and LogFile are then
	// not used. Nil runs OpenSSH's sshd in the foreground with ConfigFile.
	Argv []string

	// Config is written to ConfigFile before sshd starts.
	Config     Config
	ConfigFile string

	// LogFile is where sshd logs (sshd -E). Zero makes sshd log to its
	// stderr (sshd -e), that is to Output.
	LogFile string

	// Output receives the standard output and error of the command:
	// what Prefix and sshd print before sshd logs to LogFile. Nil
	// discards them.
	Output io.Writer

	// Prefix is the command line that runs sshd (its path and arguments
	// follow): unshare, nsenter, "ip netns exec NAME". It must exec sshd,
	// so that the command's pid is sshd's, or, with Forks, start sshd as
	// its only child. Nil runs sshd directly.
	Prefix []string

	// Forks says that Prefix starts sshd as its child and waits for it
	// (nsenter --pid does): Start then finds sshd among the command's
	// children and signals it rather than the command.
	Forks bool

	// ExtraFiles are passed to the command as file descriptors 3, 4...
	ExtraFiles []*os.File

	// SysProcAttr is the command's; nil puts it in a process group of its
	// own (on unix), so that a terminal's ^C goes to the caller only.
	SysProcAttr *syscall.SysProcAttr

	// Check, if set, is called with sshd's pid once it is known and
	// before anything connects to it; an error kills sshd and fails
	// Start.
	Check func(pid int) error

	// Dial connects to sshd to wait for its banner; nil uses a
	// net.Dialer. Addr is where: zero means 127.0.0.1:Port.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	Addr string

	// Poll is how often Start tries to connect while sshd starts. Zero
	// means 10ms.
	Poll time.Duration
}

func (o *Options) dial(ctx context.Context, addr string) (net.Conn, error) {
	if o.Dial != nil {
		return o.Dial(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func (o *Options) addr() string {
	if o.Addr != "" {
		return o.Addr
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Config.Port))
}

func (o *Options) poll() time.Duration {
	if o.Poll > 0 {
		return o.Poll
	}
	return 10 * time.Millisecond
}

func (o *Options) sysProcAttr() *syscall.SysProcAttr {
	if o.SysProcAttr != nil {
		return o.SysProcAttr
	}
	return ownProcessGroup()
}

// argv is the command line: Prefix, then sshd in the foreground.
func (o *Options) argv(sshd string) []string {
	argv := append([]string{}, o.Prefix...)
	if o.Argv != nil {
		return append(argv, o.Argv...)
	}
	argv = append(argv, sshd, "-D", "-f", o.ConfigFile)
	if o.LogFile != "" {
		return append(argv, "-E", o.LogFile)
	}
	return append(argv, "-e")
}
