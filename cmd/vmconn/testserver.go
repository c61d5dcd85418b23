package main

import (
	"bufio"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn/vmtest"
	"golang.org/x/crypto/ssh"
)

// testserverFlags are the flags of "vmconn testserver".
type testserverFlags struct {
	hostKey   string
	clientKey string
	realHome  bool
}

func newTestServerCmd(g *globalFlags) *cobra.Command {
	var f testserverFlags
	cmd := &cobra.Command{
		Use:   "testserver",
		Short: "Run a vmtest server (an SSH test VM on loopback) in the foreground, with faults on stdin",
		Long: `Run a vmtest server in the foreground: an SSH server on 127.0.0.1 that runs
every command in a real /bin/sh on this machine, as you (package vmtest, as
in Go tests), and serves SFTP. It is for testing scripts and programs in any
language against a machine that drops, stalls and reboots on demand.

It prints its address, user, client key file, known_hosts file and an
ssh_config file and snippet ("ssh -F FILE vmtest" logs in; so does
"vmconn -F FILE exec vmtest -- uname"). Commands start in a temporary home
(HOME, XDG dirs, TMPDIR beneath it) removed on exit, unless --real-home.
Reboot, shutdown and poweroff commands are faked, never run.

Then it reads fault commands on stdin, one a line, and answers each on
stdout ("ok COMMAND" or "error: ..."):
  drop            close every connection abruptly, as a cut link
  stall           stop all traffic without closing anything (a black hole)
  resume          end a stall
  stop-listening  refuse new connections; open ones live on
  listen          accept connections again
  reboot          fake a reboot: drop everything, new boot id, back after 200ms
At end of file on stdin (or on SIGINT) it stops the server, removes its
files and exits 0. It exits 1 where vmtest cannot run (Windows).

With --json, the first line is one object
  {"address","host","port","user","key_file","known_hosts","ssh_config_file",
   "ssh_config","home","boot_id"}
and each answer is {"command","ok","error","boot_id"} (boot_id after reboot).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTestServer(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), f, g.json)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.hostKey, "host-key", "", "host key file (OpenSSH private key without passphrase; default: a new ed25519 key)")
	fl.StringVar(&f.clientKey, "client-key", "", "client key file the server accepts (default: a new ed25519 key, written to key_file)")
	fl.BoolVar(&f.realHome, "real-home", false, "run commands in your own home, with your HOME, XDG and TMPDIR")
	return cmd
}

// runTestServer starts the server, prints how to reach it, and applies
// the fault commands read from in until EOF or the end of ctx.
func runTestServer(ctx context.Context, in io.Reader, w io.Writer, f testserverFlags, asJSON bool) error {
	o, err := f.options()
	if err != nil {
		return &exitError{code: exitUsage, err: vmErr("testserver", err)}
	}
	srv, err := vmtest.Start(o)
	switch {
	case errors.Is(err, vmtest.ErrUnsupported):
		return &exitError{code: exitFailed, err: fmt.Errorf(
			"vmconn: testserver cannot run on %s: vmtest needs a POSIX shell and Unix process groups (Linux, macOS or FreeBSD)", runtime.GOOS)}
	case err != nil:
		return &exitError{code: exitFailed, err: vmErr("testserver", err)}
	}
	defer srv.Close()
	if err := printTestServer(w, srv, asJSON); err != nil {
		return err
	}
	lines := make(chan string)
	go readLines(in, lines) // ends at EOF; on ctx's end the process exits
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if line = strings.TrimSpace(line); line != "" {
				answerFault(w, srv, line, asJSON)
			}
		}
	}
}

// readLines sends each line of r to lines, and closes lines at the end.
func readLines(r io.Reader, lines chan<- string) {
	defer close(lines)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines <- sc.Text()
	}
}

// options turns the flags into vmtest.Options.
func (f testserverFlags) options() (vmtest.Options, error) {
	o := vmtest.Options{RealHome: f.realHome}
	var err error
	if o.HostKey, err = readKeyFile("--host-key", f.hostKey); err != nil {
		return o, err
	}
	o.ClientKey, err = readKeyFile("--client-key", f.clientKey)
	return o, err
}

// readKeyFile reads an unencrypted private key file; "" gives nil.
func readKeyFile(flag, path string) (crypto.Signer, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	key, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s %s: unsupported key type %T", flag, path, key)
	}
	return signer, nil
}
