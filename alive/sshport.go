package alive

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"sync"
)

// sshConnect hands the SSH probe's TCP connect to the TCP probe of the
// SSH port, which makes no connect of its own. A connect to sshd that is
// dropped without a login is what OpenSSH 9.8 and later penalise
// (PerSourcePenalties "noauth", a source locked out for a while), and
// Wait probes again and again: so every connect to the SSH port goes on
// into a login. A refused connect costs sshd nothing.
type sshConnect struct {
	once sync.Once
	done chan struct{}
	err  error // the connect's error; errNoConnect if none was made
}

func newSSHConnect() *sshConnect { return &sshConnect{done: make(chan struct{})} }

// set records the connect's outcome; only the first call counts. A nil
// n records nothing.
func (n *sshConnect) set(err error) {
	if n == nil {
		return
	}
	n.once.Do(func() {
		n.err = err
		close(n.done)
	})
}

// errNoConnect says the SSH probe answered over an open connection and
// made no TCP connect.
var errNoConnect = errors.New("no connect made")

// sshPortProbe is the TCP probe of the SSH port while the SSH layer is
// probed: its outcome is that of the SSH probe's connect.
func sshPortProbe(port int, n *sshConnect) probe {
	return probe{layer: LayerTCP, target: "tcp/" + strconv.Itoa(port), run: func(ctx context.Context) LayerResult {
		select {
		case <-n.done:
		case <-ctx.Done():
			return ctxResult(ctx, context.Cause(ctx))
		}
		switch {
		case n.err == nil:
			return LayerResult{Outcome: Answered, Detail: "open"}
		case errors.Is(n.err, errNoConnect):
			return LayerResult{Outcome: Skipped, Detail: "no connect: SSH answered on the open connection"}
		}
		return tcpConnectResult(ctx, n.err)
	}}
}

// portProbe is the TCP probe of port: the SSH probe's connect for the
// SSH port when n is not nil, else a connect of its own.
func (s *settings) portProbe(ip netip.Addr, port int, n *sshConnect) probe {
	if n != nil && port == s.sshPort {
		return sshPortProbe(port, n)
	}
	return tcpProbe(ip, port)
}
