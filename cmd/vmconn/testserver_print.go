package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/vmconn/vmconn/vmtest"
)

// testServerInfo is what testserver prints first, with --json.
type testServerInfo struct {
	Address       string `json:"address"`
	Host          string `json:"host"`
	Port          int    `json:"port"`
	User          string `json:"user"`
	KeyFile       string `json:"key_file"`
	KnownHosts    string `json:"known_hosts"`
	SSHConfigFile string `json:"ssh_config_file"`
	SSHConfig     string `json:"ssh_config"`
	Home          string `json:"home"`
	BootID        string `json:"boot_id"`
}

// faultAnswer is testserver's answer to one command, with --json.
type faultAnswer struct {
	Command string `json:"command"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	BootID  string `json:"boot_id,omitempty"`
}

// printTestServer prints how to reach srv.
func printTestServer(w io.Writer, srv *vmtest.Server, asJSON bool) error {
	info := testServerInfo{
		Address: srv.Addr(), Host: srv.Host(), Port: srv.Port(), User: srv.User(),
		KeyFile: srv.ClientKeyFile(), KnownHosts: srv.KnownHostsFile(),
		SSHConfigFile: srv.SSHConfigFile(), SSHConfig: srv.SSHConfig(vmtest.SSHConfigHost),
		Home: srv.Home(), BootID: srv.BootID(),
	}
	if asJSON {
		return json.NewEncoder(w).Encode(info)
	}
	_, err := fmt.Fprintf(w, `vmtest server listening on %s (commands run in a real /bin/sh on this machine as %s)
address      %s
user         %s
key_file     %s
known_hosts  %s
ssh_config   %s
home         %s
boot_id      %s

# ssh -F %s %s
%s
Fault commands on stdin, one a line: drop, stall, resume, stop-listening, listen, reboot.
End of file stops the server.
`, info.Address, info.User, info.Address, info.User, info.KeyFile, info.KnownHosts, info.SSHConfigFile,
		info.Home, info.BootID, info.SSHConfigFile, vmtest.SSHConfigHost, info.SSHConfig)
	return err
}

// answerFault applies the fault command line to srv and prints the
// answer.
func answerFault(w io.Writer, srv *vmtest.Server, line string, asJSON bool) {
	a := faultAnswer{Command: line, OK: true}
	if err := applyFault(srv, line); err != nil {
		a.OK, a.Error = false, err.Error()
	}
	if a.OK && line == "reboot" {
		a.BootID = srv.BootID()
	}
	switch {
	case asJSON:
		json.NewEncoder(w).Encode(a)
	case !a.OK:
		fmt.Fprintf(w, "error: %s\n", a.Error)
	case a.BootID != "":
		fmt.Fprintf(w, "ok %s boot_id %s\n", line, a.BootID)
	default:
		fmt.Fprintf(w, "ok %s\n", line)
	}
}

// applyFault applies one fault command to srv.
func applyFault(srv *vmtest.Server, line string) error {
	switch line {
	case "drop":
		srv.DropConnections()
	case "stall":
		srv.Stall(true)
	case "resume":
		srv.Stall(false)
	case "stop-listening":
		srv.StopListening()
	case "listen":
		return srv.StartListening()
	case "reboot":
		srv.Reboot()
	default:
		return fmt.Errorf("unknown command %q (want drop, stall, resume, stop-listening, listen or reboot)", line)
	}
	return nil
}
