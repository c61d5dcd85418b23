package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/vmconn/vmconn/bench/internal/sshd"
)

// machine describes the machine the report is written on.
func machine() []string {
	cpu := "?"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	kernel := strings.TrimSpace(output("uname", "-r"))
	debian, _ := os.ReadFile("/etc/debian_version")
	return []string{
		fmt.Sprintf("**Machine**: %s, %d cores, %s RAM; Linux %s; Debian %s", cpu, runtime.NumCPU(), mem, kernel, strings.TrimSpace(string(debian))),
	}
}

// versions lists the software compared.
func versions(python string) []string {
	xcrypto := "?"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "golang.org/x/crypto" {
				xcrypto = d.Version
			}
		}
	}
	commit := strings.TrimSpace(output("git", "describe", "--always", "--dirty"))
	sshV := strings.TrimSpace(output("ssh", "-V"))
	server := strings.Split(sshd.Version(), ",")[0]
	if pkg := strings.TrimSpace(output("dpkg-query", "-W", "-f", "${Version}", "openssh-server")); pkg != "" {
		server += " (openssh-server " + pkg + ")"
	}
	return []string{
		fmt.Sprintf("**Versions**: vmconn `%s` (git describe); %s; golang.org/x/crypto %s; client `%s`; server `%s`; %s",
			commit, runtime.Version(), xcrypto, sshV, server, paramikoVersion(python)),
	}
}

// output runs a command and returns its combined output ("" on error).
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return ""
	}
	return string(out)
}
