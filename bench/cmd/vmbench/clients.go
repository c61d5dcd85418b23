package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/bench/internal/sshd"
	"github.com/vmconn/vmconn/internal/quickack"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The cipher and MAC that all four clients support (paramiko 2.12 has
// neither AES-GCM nor ChaCha20-Poly1305).
const (
	commonCipher = "aes128-ctr"
	commonMAC    = "hmac-sha2-256-etm@openssh.com"
)

// connectTimeout bounds one connection of any client: generous, because
// a thousand handshakes at once on two cores take a while.
const connectTimeout = 5 * time.Minute

// vmconnConfig logs in as vmconn users do: the key file and known_hosts
// are read at each Dial.
func (b *bench) vmconnConfig() *vmconn.Config {
	return &vmconn.Config{
		User:            b.farm.User,
		IdentityFiles:   []string{b.farm.ClientKey},
		KnownHostsFiles: []string{b.farm.KnownHosts},
		NoAgent:         true,
		ConnectTimeout:  connectTimeout,
	}
}

// quickAck is how a vmconn or raw connection treats TCP_QUICKACK.
type quickAck int

const (
	qaDefault quickAck = iota // whatever vmconn.Dial does
	qaOn                      // wrapped with quickack.Wrap
	qaOff                     // hidden from QuickAckConn behind a non-TCP type
)

// opaqueConn hides the *net.TCPConn, so QuickAckConn leaves it alone.
type opaqueConn struct{ net.Conn }

func dialWith(qa quickAck) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		switch qa {
		case qaOn:
			return quickack.Wrap(nc), nil
		case qaOff:
			return opaqueConn{nc}, nil
		}
		return nc, nil
	}
}

func (b *bench) vmconnConfigQA(qa quickAck) *vmconn.Config {
	cfg := b.vmconnConfig()
	if qa != qaDefault {
		cfg.DialContext = dialWith(qa)
	}
	return cfg
}

// rawConfig is an x/crypto configuration made once, as x/crypto users do.
func (b *bench) rawConfig() (*ssh.ClientConfig, error) {
	key, err := os.ReadFile(b.farm.ClientKey)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		return nil, err
	}
	cb, err := knownhosts.New(b.farm.KnownHosts)
	if err != nil {
		return nil, err
	}
	return &ssh.ClientConfig{
		User:            b.farm.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: cb,
		Timeout:         connectTimeout,
	}, nil
}

// rawDial connects with x/crypto, with or without QuickAckConn.
func rawDial(ctx context.Context, addr string, cfg *ssh.ClientConfig, qa quickAck) (*ssh.Client, error) {
	nc, err := dialWith(qa)(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return ssh.NewClient(c, chans, reqs), nil
}

// sshOpts are the OpenSSH client's options for the farm, without the
// destination: no user or system ssh_config, only the farm's key and
// known_hosts, no agent, no prompts.
func (b *bench) sshOpts() []string {
	return []string{
		"-F", "/dev/null",
		"-i", b.farm.ClientKey,
		"-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none",
		"-o", "UserKnownHostsFile=" + b.farm.KnownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "ConnectTimeout=" + strconv.Itoa(int(connectTimeout/time.Second)),
		"-o", "LogLevel=ERROR",
	}
}

// sshArgs are the arguments for a fresh, unmultiplexed OpenSSH
// connection to s; the command follows.
func (b *bench) sshArgs(s *sshd.Server) []string {
	return append(b.sshOpts(), "-o", "ControlMaster=no", "-o", "ControlPath=none",
		"-p", strconv.Itoa(s.Port), b.farm.User+"@127.0.0.1")
}

// sshEnv is the environment of OpenSSH clients: no agent.
func sshEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SSH_AUTH_SOCK=") {
			env = append(env, kv)
		}
	}
	return env
}

func sshCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Env = sshEnv()
	cmd.WaitDelay = time.Second
	return cmd
}
