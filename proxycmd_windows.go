//go:build windows

package vmconn

import (
	"os/exec"
	"syscall"
)

// proxyShell runs command through cmd.exe /c, as OpenSSH for Windows
// does; the command line is passed as written, not re-quoted.
func proxyShell(command string) *exec.Cmd {
	cmd := exec.Command("cmd")
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: "cmd /c " + command}
	return cmd
}
