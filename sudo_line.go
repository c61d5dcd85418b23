package vmconn

// The command line of a Cmd run with Sudo, in two shells.
//
// The outer one is /bin/sh in the envelope, as for every Cmd. It execs
// sudo once: "sudo -n" without a password; with one, "sudo -k -S -p
// PROMPT", where PROMPT is a marker. vmconn holds standard input back and
// writes the password line only when the marker arrives, that is, only
// when this one sudo asks; a second prompt (a wrong password) ends
// standard input instead. Where sudo does not ask (NOPASSWD), the password
// is never sent, so it can never become the command's input. Sent after
// the prompt, it also survives the flush of a terminal's input that sudo
// does before reading it.
//
// The inner one is sh as the target user. It prints a start marker on
// stderr (no marker: sudo refused), at which vmconn releases standard
// input: first the Env header (see REMOTE.md), which this shell reads and
// exports (sudo would drop the environment, and a command line would show
// the values), then the caller's Stdin. It runs the command as a job with
// that input, under a trap that kills the whole process group when sudo
// relays a TERM, INT or HUP.

import "github.com/vmconn/vmconn/internal/envelope"

func sudoMarker(token string) string { return "__vmconn_sudo_" + token + "_started" }
func sudoPrompt(token string) string { return "__vmconn_sudo_" + token + "_password:" }

// sudoLine builds the outer script; env says whether the inner shell
// reads an Env header.
func sudoLine(command, user string, password, env bool, token string) string {
	if user == "" {
		user = "root"
	}
	inner := "printf '%s\\n' " + sudoMarker(token) + " >&2; "
	if env {
		inner += envelope.ReadHeader
	}
	inner += "trap 'kill -s KILL 0' TERM INT HUP; exec 3<&0; sh -c " + ShellQuote(command) + " <&3 3<&- & wait $!"
	run := "-u " + ShellQuote(user) + " -- sh -c " + ShellQuote(inner)
	if !password {
		return "exec sudo -n " + run
	}
	return "exec sudo -k -S -p " + sudoPrompt(token) + " " + run
}
