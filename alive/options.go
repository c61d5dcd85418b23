package alive

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/vmconn/vmconn"
)

// DefaultTimeout bounds a whole verdict when Options.Timeout is zero.
const DefaultTimeout = 3 * time.Second

// defaultPorts follow the SSH port when Options.Ports is empty.
var defaultPorts = []int{443, 80}

// Options tunes Check, CheckClient and Wait. The zero value (or a nil
// pointer) probes SSH with the zero vmconn.Config, TCP ports 22, 443 and
// 80, and ICMP, within 3 seconds. An Options may be shared by concurrent
// calls; it must not be modified while one is in progress.
type Options struct {
	// Config holds the SSH credentials and host-key policy used to log
	// in. Nil means the zero Config. Its ConnectTimeout is not used:
	// Timeout bounds everything; nor is its OnEvent (the login is closed
	// at once). Its DialContext, if set, makes the SSH layer's connection
	// (to the resolved address); the TCP and ICMP layers always use this
	// host's own network. Ignored by CheckClient, which uses the client's
	// own Config.
	Config *vmconn.Config

	// Ports are the TCP ports probed. Zero means the SSH port, 443 and 80.
	// Each must be in 1..65535.
	Ports []int

	// Timeout bounds the whole verdict, all layers together (they are
	// probed concurrently), including resolving the host name. Zero means
	// DefaultTimeout; negative is an error.
	Timeout time.Duration

	// NoSSH skips the SSH layer (no login is attempted).
	NoSSH bool

	// NoICMP skips the ICMP layer.
	NoICMP bool

	// Logger receives debug records of each probe. Nil means
	// Config.Logger, and when that is nil too, silent.
	Logger *slog.Logger
}

// settings are the options with defaults applied, for one target.
type settings struct {
	cfg     *vmconn.Config
	sshPort int
	ports   []int
	timeout time.Duration
	noSSH   bool
	noICMP  bool
	log     *slog.Logger
}

// settings validates o and applies the defaults for target t.
func (o *Options) settings(t vmconn.Target) (*settings, error) {
	if o == nil {
		o = &Options{}
	}
	s := &settings{cfg: o.Config, timeout: o.Timeout, noSSH: o.NoSSH, noICMP: o.NoICMP}
	if s.cfg == nil {
		s.cfg = &vmconn.Config{}
	}
	if s.timeout < 0 {
		return nil, fmt.Errorf("vmconn: alive timeout %v is negative: %w", o.Timeout, vmconn.ErrConfig)
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	s.sshPort = cmp.Or(t.Port, s.cfg.Port, vmconn.DefaultPort)
	ports, err := probePorts(o.Ports, s.sshPort)
	if err != nil {
		return nil, err
	}
	s.ports = ports
	s.log = cmp.Or(o.Logger, s.cfg.Logger, discard)
	return s, nil
}

// discard is the logger of options that name none.
var discard = slog.New(slog.DiscardHandler)

// probePorts validates the ports and removes duplicates, keeping the
// order; none means the defaults with sshPort first.
func probePorts(ports []int, sshPort int) ([]int, error) {
	if len(ports) == 0 {
		ports = append([]int{sshPort}, defaultPorts...)
	}
	var out []int
	for _, p := range ports {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("vmconn: alive port %d out of range 1-65535: %w", p, vmconn.ErrConfig)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}
