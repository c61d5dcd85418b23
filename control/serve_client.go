package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vmconn/vmconn/internal/backoff"
)

// Global requests a client may send the master.
const (
	requestInfo = "info@control.vmconn" // reply: Info as JSON
	requestStop = "stop@control.vmconn" // the master stops (see Master.Stop)
)

// serveClient checks a client (uid, greeting), runs the SSH handshake
// with it, and proxies its channels until it leaves.
func (m *Master) serveClient(ctx context.Context, c net.Conn, srv *ssh.ServerConfig) error {
	defer c.Close()
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("%w: not a Unix socket", ErrUntrusted)
	}
	if uid, err := peerUID(uc); err != nil || uid != ownUID {
		return fmt.Errorf("%w: peer uid %d (%v)", ErrUntrusted, uid, err)
	}
	_ = c.SetDeadline(time.Now().Add(greetingWait))
	line, rest, err := readLine(c)
	if err != nil {
		return err
	}
	if key, ok := strings.CutPrefix(line, runGreetingPrefix); ok {
		return m.serveRun(ctx, uc, key, rest)
	}
	if err := serverGreeting(c, line, m.Key, m.hostKey); err != nil {
		return err
	}
	sc, chans, reqs, err := ssh.NewServerConn(&replayConn{UnixConn: uc, rest: rest}, srv)
	if err != nil {
		return err
	}
	_ = c.SetDeadline(time.Time{})
	if !m.join(sc) || ctx.Err() != nil {
		sc.Close()
		return errors.New("master stopping")
	}
	defer m.leave(sc)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m.wg.Add(2) // safe: this goroutine is itself counted, so the group is not at zero
	go func() { defer m.wg.Done(); _ = sc.Wait(); cancel() }()
	go func() { defer m.wg.Done(); m.globalRequests(reqs) }()
	var channels sync.WaitGroup
	for nc := range chans {
		channels.Add(1)
		go func() { defer channels.Done(); m.openUpstream(cctx, nc) }()
	}
	channels.Wait()
	return nil
}

// openUpstream opens nc's channel on the shared connection (waiting for a
// reconnection if it is down) and proxies it; a refusal up there is
// passed on as it is (MaxSessions shows as the same refusal).
func (m *Master) openUpstream(ctx context.Context, nc ssh.NewChannel) {
	up, upReqs, err := m.open(ctx, nc.ChannelType(), nc.ExtraData())
	if err != nil {
		var oe *ssh.OpenChannelError
		if errors.As(err, &oe) {
			_ = nc.Reject(oe.Reason, oe.Message)
		} else {
			_ = nc.Reject(ssh.ConnectionFailed, err.Error())
		}
		return
	}
	down, downReqs, err := nc.Accept()
	if err != nil {
		up.Close()
		go ssh.DiscardRequests(upReqs)
		return
	}
	proxy(down, downReqs, up, upReqs)
}

// open opens a channel on the shared connection, reconnecting it first
// if it is down, and once more if it went down as the channel opened. A
// session the machine refuses is asked for again, a few times, once the
// client's warm session, which may have held the machine's last slot, is
// closed.
func (m *Master) open(ctx context.Context, kind string, extra []byte) (ssh.Channel, <-chan *ssh.Request, error) {
	for try := 0; ; try++ {
		if err := m.Client.Reconnect(ctx); err != nil {
			return nil, nil, err
		}
		sc := m.Client.SSH()
		if sc == nil {
			return nil, nil, errors.New("connection closed")
		}
		ch, reqs, err := sc.OpenChannel(kind, extra)
		var oe *ssh.OpenChannelError
		if kind == "session" && errors.As(err, &oe) && m.Client.CloseWarmSession(ctx) { // it may have held the machine's last slot
			for try := 0; try < 5 && errors.As(err, &oe) && backoff.Sleep(ctx, 5*time.Millisecond<<try) == nil; try++ {
				ch, reqs, err = sc.OpenChannel(kind, extra)
			}
		}
		if err == nil || errors.As(err, &oe) || try > 0 {
			return ch, reqs, err
		}
	}
}

// globalRequests answers a client's connection-level requests.
func (m *Master) globalRequests(reqs <-chan *ssh.Request) {
	for r := range reqs {
		switch r.Type {
		case "keepalive@openssh.com":
			_ = r.Reply(true, nil)
		case requestInfo:
			b, _ := json.Marshal(m.info())
			_ = r.Reply(true, b)
		case requestStop:
			_ = r.Reply(true, nil)
			m.Stop()
		default: // tcpip-forward among them: not shared
			_ = r.Reply(false, nil)
		}
	}
}

// Info is what Check reports about a master.
type Info struct {
	PID       int       `json:"pid"`
	Target    string    `json:"target"`
	Started   time.Time `json:"started"`
	Clients   int       `json:"clients"`   // connected now, the asker among them
	Served    int       `json:"served"`    // connections served in all
	Connected bool      `json:"connected"` // the shared connection is up
	Persist   string    `json:"persist"`   // idle limit ("none" for no limit)
}

func (m *Master) info() Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	persist := "none"
	if m.Persist > 0 {
		persist = m.Persist.String()
	}
	return Info{
		PID: os.Getpid(), Target: m.Target, Started: m.started, Clients: len(m.clients),
		Served: m.served, Connected: m.Client.Err() == nil, Persist: persist,
	}
}
