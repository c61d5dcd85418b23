//go:build !windows

package vmconn

import (
	"os"
	"os/exec"
	"path/filepath"
)

// proxyShell runs command as OpenSSH runs a ProxyCommand: through $SHELL
// (else /bin/sh), with exec so that the shell does not linger.
func proxyShell(command string) *exec.Cmd {
	sh := os.Getenv("SHELL")
	if sh == "" || !filepath.IsAbs(sh) {
		sh = "/bin/sh"
	}
	return exec.Command(sh, "-c", "exec "+command)
}
