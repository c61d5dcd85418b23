package vmconn

import (
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// DefaultAliveTimeout bounds a whole IsAlive verdict when
// AliveOptions.Timeout is zero.
const DefaultAliveTimeout = 3 * time.Second

// defaultAlivePorts follow the SSH port when AliveOptions.Ports is empty.
var defaultAlivePorts = []int{443, 80}

// AliveOptions tunes IsAlive and WaitAlive. The zero value (or a nil
// pointer) probes SSH with the zero Config, TCP ports 22, 443 and 80, and
// ICMP, within 3 seconds. An AliveOptions may be shared by concurrent
// calls; it must not be modified while one is in progress.
type AliveOptions struct {
	// Config holds the SSH credentials and host-key policy used to log
	// in. Nil means the zero Config. Its ConnectTimeout is not used:
	// Timeout bounds everything. Its DialContext, if set, makes the SSH
	// layer's connection (to the resolved address); the TCP and ICMP
	// layers always use this host's own network. Ignored by
	// Client.IsAlive, which uses the client's own Config.
	Config *Config

	// Ports are the TCP ports probed. Zero means the SSH port, 443 and 80.
	// Each must be in 1..65535.
	Ports []int

	// Timeout bounds the whole verdict, all layers together (they are
	// probed concurrently), including resolving the host name. Zero means
	// DefaultAliveTimeout; negative is an error.
	Timeout time.Duration

	// NoSSH skips the SSH layer (no login is attempted).
	NoSSH bool

	// NoICMP skips the ICMP layer.
	NoICMP bool

	// Logger receives debug records of each probe. Nil means
	// Config.Logger, and when that is nil too, silent.
	Logger *slog.Logger
}

// aliveSettings are the options with defaults applied, for one target.
type aliveSettings struct {
	cfg     *Config
	sshPort int
	ports   []int
	timeout time.Duration
	noSSH   bool
	noICMP  bool
	log     *slog.Logger
}

// settings validates o and applies the defaults for target t.
func (o *AliveOptions) settings(t Target) (*aliveSettings, error) {
	if o == nil {
		o = &AliveOptions{}
	}
	s := &aliveSettings{cfg: o.Config, timeout: o.Timeout, noSSH: o.NoSSH, noICMP: o.NoICMP}
	if s.cfg == nil {
		s.cfg = &Config{}
	}
	if s.timeout < 0 {
		return nil, fmt.Errorf("vmconn: alive timeout %v is negative: %w", o.Timeout, ErrConfig)
	}
	if s.timeout == 0 {
		s.timeout = DefaultAliveTimeout
	}
	s.sshPort = t.Port
	if s.sshPort == 0 {
		s.sshPort = s.cfg.Port
	}
	if s.sshPort == 0 {
		s.sshPort = DefaultPort
	}
	ports, err := alivePorts(o.Ports, s.sshPort)
	if err != nil {
		return nil, err
	}
	s.ports = ports
	s.log = o.Logger
	if s.log == nil {
		s.log = s.cfg.logger()
	}
	return s, nil
}

// alivePorts validates the ports and removes duplicates, keeping the
// order; none means the defaults with sshPort first.
func alivePorts(ports []int, sshPort int) ([]int, error) {
	if len(ports) == 0 {
		ports = append([]int{sshPort}, defaultAlivePorts...)
	}
	var out []int
	for _, p := range ports {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("vmconn: alive port %d out of range 1-65535: %w", p, ErrConfig)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}
