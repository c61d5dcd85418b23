package vmtest

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// BootIDEnv is the environment variable that holds the fake boot id in
// every command the server runs.
const BootIDEnv = "VMTEST_BOOT_ID"

// bootIDCommand is the command line answered with the fake boot id.
const bootIDCommand = "cat /proc/sys/kernel/random/boot_id"

// fakeCommand is an intercepted command line. It writes to stdout and
// stderr and returns its exit status; a negative status sends none.
type fakeCommand func(s *Server, cmdline string, stdout, stderr io.Writer) int

// interceptor answers the command lines that match with a fake.
type interceptor struct {
	match func(cmdline string) bool
	run   fakeCommand
}

// interceptors returns the intercepted command lines, first match wins.
// (A function, not a variable: fakeReboot leads back to intercept.)
func interceptors() []interceptor {
	return []interceptor{
		{isBootIDRead, catBootID},
		{isPowerCommand, fakeReboot},
		{func(c string) bool { return mentionsPower(c) != "" }, refusePower},
	}
}

// intercept returns the fake that answers cmdline, or nil if cmdline runs
// in the shell.
func intercept(cmdline string) fakeCommand {
	cmdline = vmconnMarker().ReplaceAllString(cmdline, "")
	for _, ic := range interceptors() {
		if ic.match(cmdline) {
			return ic.run
		}
	}
	return nil
}

// vmconnMarker matches the prefix vmconn puts before a command (the
// export of its marker variable, see vmconn's cmd_envelope.go). It is stripped
// before matching, so that a plain client.Command(ctx, "reboot") is
// answered like the raw command line.
var vmconnMarker = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^export VMCONN_CMD=[0-9a-f]+-[0-9]+; `) })

// isBootIDRead reports whether cmdline reads the kernel's boot id.
func isBootIDRead(cmdline string) bool {
	return strings.TrimSpace(cmdline) == bootIDCommand
}

// catBootID prints the fake boot id.
func catBootID(s *Server, _ string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, s.BootID())
	return 0
}

// fakeReboot reboots the fake machine. The client's connection drops with
// no exit status, as it often does on a real machine.
func fakeReboot(s *Server, _ string, _, _ io.Writer) int {
	s.Reboot()
	return -1
}

// refusePower refuses a command line that might reboot the real machine,
// and names the word that made it refuse.
func refusePower(_ *Server, cmdline string, _, stderr io.Writer) int {
	fmt.Fprintf(stderr, "vmtest: refusing to run a command that could reboot or power off the machine (it mentions %q)\n", mentionsPower(cmdline))
	return 126
}

// isPowerCommand reports whether cmdline is a simple command that reboots
// or powers off: reboot, shutdown, poweroff or halt with any arguments,
// "systemctl reboot|poweroff|halt" or "init 0|6", optionally after sudo
// and its options.
func isPowerCommand(cmdline string) bool {
	if strings.ContainsAny(cmdline, shellSpecials) {
		return false
	}
	words := stripSudo(strings.Fields(cmdline))
	if len(words) == 0 {
		return false
	}
	args := words[1:]
	switch path.Base(words[0]) {
	case "reboot", "shutdown", "poweroff", "halt":
		return true
	case "systemctl":
		i := slices.IndexFunc(args, func(a string) bool { return !strings.HasPrefix(a, "-") })
		return i >= 0 && slices.Contains([]string{"reboot", "poweroff", "halt"}, args[i])
	case "init", "telinit":
		return len(args) == 1 && (args[0] == "0" || args[0] == "6")
	}
	return false
}

// shellSpecials are the characters that make a command line more than a
// simple command.
const shellSpecials = ";&|()<>`$'\"\\\n*?[]{}#~"

// sudoArgOptions are the sudo options that take an argument.
var sudoArgOptions = []string{"-C", "-D", "-g", "-h", "-p", "-R", "-r", "-T", "-t", "-U", "-u"}

// stripSudo removes a leading "sudo" and its options from words.
func stripSudo(words []string) []string {
	if len(words) == 0 || path.Base(words[0]) != "sudo" {
		return words
	}
	i := 1
	for i < len(words) && strings.HasPrefix(words[i], "-") {
		if words[i] == "--" {
			return words[i+1:]
		}
		if slices.Contains(sudoArgOptions, words[i]) {
			i++
		}
		i++
	}
	return words[min(i, len(words)):]
}

// powerWords are words that may reboot, power off or suspend the machine
// anywhere in a command line.
var powerWords = []string{
	"reboot", "shutdown", "poweroff", "halt", "kexec",
	"suspend", "hibernate", "hybrid-sleep", "suspend-then-hibernate",
}

// mentionsPower returns the word for which cmdline could reboot or power
// off the machine, or "": a power command named anywhere, "init 0|6", or
// the kernel's sysrq trigger.
func mentionsPower(cmdline string) string {
	if strings.Contains(cmdline, "sysrq-trigger") {
		return "sysrq-trigger"
	}
	words := strings.FieldsFunc(cmdline, func(r rune) bool {
		return r == ' ' || r == '\t' || strings.ContainsRune(shellSpecials, r)
	})
	for i, w := range words {
		w = path.Base(w)
		if slices.Contains(powerWords, w) {
			return w
		}
		if (w == "init" || w == "telinit") && i+1 < len(words) && (words[i+1] == "0" || words[i+1] == "6") {
			return w + " " + words[i+1]
		}
	}
	return ""
}
