package vmconn

// The command line of a SudoCmd, in two shells.
//
// The outer one is the login shell. Without a password it execs
// "sudo -n". With one, standard input starts with the password twice:
// the shell reads the first line and asks sudo whether a password is
// needed at all (sudo -k -n true); if not (NOPASSWD) it drops the second
// line and execs sudo -n. Otherwise it checks the password on a pipe, so
// that a wrong one never makes sudo read the command's input as further
// attempts, and execs sudo -S, which reads the second line itself and
// leaves the rest of standard input to the command. -k ignores cached
// credentials, so sudo always reads that line.
//
// The inner one is sh as root. It prints a start marker on stderr (no
// marker: sudo refused), exports Env, and runs the command as a job with
// the original standard input, under a trap that kills the whole process
// group when sudo relays a TERM, INT or HUP.

func sudoMarker(token string) string      { return "__vmconn_sudo_" + token + "_started" }
func sudoBadPwMarker(token string) string { return "__vmconn_sudo_" + token + "_badpw" }

// sudoLine builds the outer command line.
func sudoLine(command string, env []string, user string, password bool, token string) (string, error) {
	exports, err := envPrefix(env)
	if err != nil {
		return "", err
	}
	if user == "" {
		user = "root"
	}
	inner := "printf '%s\\n' " + sudoMarker(token) + " >&2; " + exports +
		"trap 'kill -s KILL 0' TERM INT HUP; exec 3<&0; sh -c " + ShellQuote(command) + " <&3 3<&- & wait $!"
	run := "-u " + ShellQuote(user) + " -- sh -c " + ShellQuote(inner)
	if !password {
		return "exec sudo -n " + run, nil
	}
	const pw = "__vmconn_pw"
	return "IFS= read -r " + pw + " || exit 1; " +
		"if sudo -k -n -u " + ShellQuote(user) + " true 2>/dev/null; then IFS= read -r " + pw + "; unset " + pw + "; exec sudo -n " + run + "; fi; " +
		"printf '%s\\n' \"$" + pw + "\" | sudo -k -S -p '' -u " + ShellQuote(user) + " true || { printf '%s\\n' " + sudoBadPwMarker(token) + " >&2; exit 1; }; " +
		"unset " + pw + "; exec sudo -k -S -p '' " + run, nil
}
