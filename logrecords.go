package vmconn

import (
	"log/slog"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/vmconn/vmconn/internal/textutil"
)

// The records vmconn sends to Config.Logger beyond its events: the host
// key check's verdict and the authentication methods tried (info), and
// each command started (debug). None holds a secret: no password, no
// passphrase, no Env value, no sudo password.

// logHostKey records the host key check's verdict on key.
func (c *Client) logHostKey(key ssh.PublicKey, err error) {
	attrs := []any{"addr", c.addr, "type", key.Type(), "fingerprint", ssh.FingerprintSHA256(key), "mode", c.hostKeyModeName()}
	if err != nil {
		c.log.Info("vmconn: host key refused", append(attrs, "err", err)...)
		return
	}
	c.log.Info("vmconn: host key accepted", attrs...)
}

// hostKeyModeName names how host keys are checked, for the log.
func (c *Client) hostKeyModeName() string {
	switch {
	case c.cfg.HostKeyCallback != nil:
		return "callback"
	case c.cfg.HostKeyMode == HostKeyInsecureIgnore:
		return "insecure-ignore"
	case c.cfg.HostKeyMode == HostKeyAcceptNew:
		return "known_hosts, accept-new"
	}
	return "known_hosts"
}

// logPublicKeys records the public keys offered: their fingerprints.
func logPublicKeys(log *slog.Logger, signers []ssh.Signer) {
	fps := make([]string, len(signers))
	for i, s := range signers {
		fps[i] = ssh.FingerprintSHA256(s.PublicKey())
	}
	log.Info("vmconn: auth: trying publickey", "keys", strings.Join(fps, ","))
}

// maxLoggedCommand bounds a command line in the log: the job scripts are
// kilobytes long and repeat with every poll.
const maxLoggedCommand = 256

// logCommand records a command as it starts: its command line (cut to
// maxLoggedCommand bytes), and the names of its Env entries, never their
// values.
func (cmd *Cmd) logCommand() {
	names := make([]string, len(cmd.Env))
	for i, kv := range cmd.Env {
		names[i], _, _ = strings.Cut(kv, "=")
	}
	cmd.client.log.Debug("vmconn: command", "addr", cmd.client.addr, "cmd", textutil.Truncate(cmd.Command, maxLoggedCommand),
		"env", strings.Join(names, ","), "sudo", cmd.Sudo != nil, "pty", cmd.PTY != nil)
}
