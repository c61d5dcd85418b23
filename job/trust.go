package job

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmconn/vmconn"
)

// Who may write a job directory decides what its files say: another user
// who can rename or create entries in it, or in a directory above it, can
// plant a fake job (output, exit status, and a pid file that makes Kill
// signal anything). So every job script first checks the directories it
// uses, the way OpenSSH's StrictModes checks ~/.ssh:
//
//   - the base directory and each job directory must be owned by the user
//     and writable by no one else (mode bits: no group or other write);
//   - each directory above them, up to the user's home directory (if they
//     are under it) or else up to /, must be owned by the user or by root
//     and writable by no one else, unless it is sticky (like /tmp, where
//     others cannot rename what they do not own);
//   - the checks run on the physical path (symbolic links resolved, as
//     realpath does), which the script then uses, and a path holding a
//     newline is refused.
//
// A refused directory ends the script with exit status jobUntrustedStatus
// and one line on stderr, "DIR: REASON".
//
// Kill also checks that the pid file names the job's own process group:
// a decimal number above 1, of a process that leads its process group and
// carries VMCONN_JOB_DIR=<the job directory> in its environment (the
// wrapper starts the command with it). Only the process's owner (or root)
// can read its environment, and only its creator chooses it, so a planted
// pid can at worst name the planter's own processes.

// jobUntrustedStatus is the exit status of a job script that refused a
// directory or a pid.
const jobUntrustedStatus = 97

// jobTrustFuncs defines the shell functions of the checks above, for the
// scripts that begin with it. All their variables start with "jt_".
//
// jt_mode DIR KIND: DIR (a physical path) is owned by the user (KIND
// "own") or by the user or root (KIND "up"), and not writable by group or
// others ("up": unless sticky). jt_line DIR KIND FIELDS...: that check on
// a line of "ls -ldn" for DIR, split in words. jt_check DIR KIND: the
// check on DIR's physical path, which it leaves in jt_d, and "up" on every
// directory above it up to the home directory or /, all read with one ls
// (each of these scripts runs on every status and follow, and a fork
// costs milliseconds on a small machine; ls lists its arguments sorted by
// name, and a directory sorts before the directories below it); the
// reason given is that of the nearest directory refused. All three return
// 1 with the reason in jt_why; jt_need is jt_check that refuses (exit 97)
// instead.
// jt_ours PID DIR: PID is the job DIR's process group leader.
const jobTrustFuncs = `jt_me=$(id -u) || exit 1
jt_fail() {
  printf '%s\n' "$jt_why" >&2
  exit 97
}
jt_mode() {
  jt_l=$(LC_ALL=C ls -ldn -- "$1" 2>/dev/null) || { jt_why="$1: cannot read its owner and mode"; return 1; }
  set -f
  jt_line "$1" "$2" $jt_l || { set +f; return 1; }
  set +f
}
jt_line() {
  case $5 in
  "$jt_me") ;;
  0) [ "$2" = up ] || { jt_why="$1: owned by uid 0, not by you (uid $jt_me)"; return 1; } ;;
  *) jt_why="$1: owned by uid $5, not by you (uid $jt_me)"; return 1 ;;
  esac
  case $3 in d*) ;; *) jt_why="$1: not a directory ($3)"; return 1 ;; esac
  case $3 in ?????w*|????????w*) ;; *) return 0 ;; esac
  case $2$3 in up?????????[tT]*) return 0 ;; esac
  jt_why="$1: writable by group or others ($3)"
  return 1
}
jt_check() {
  jt_d=$(CDPATH= cd -P -- "$1" 2>/dev/null && pwd -P) || { jt_why="$1: cannot enter it"; return 1; }
  case $jt_d in
  *"
"*) jt_why="$1: its path holds a newline"; return 1 ;;
  /*) ;;
  *) jt_why="$1: no absolute path"; return 1 ;;
  esac
  jt_k=$2
  jt_h=/
  [ -z "$HOME" ] || jt_h=$(CDPATH= cd -P -- "$HOME" 2>/dev/null && pwd -P) || jt_h=/
  jt_p=$jt_d
  set -- "$jt_d"
  while [ "$jt_p" != / ] && [ "$jt_p" != "$jt_h" ]; do
    jt_p=${jt_p%/*}
    [ -n "$jt_p" ] || jt_p=/
    set -- "$jt_p" "$@"
  done
  jt_why="$jt_d: cannot read the owner and mode of it or of a directory above it"
  jt_l=$(LC_ALL=C ls -ldn -- "$@" 2>/dev/null) || return 1
  jt_bad=
  while IFS= read -r jt_r && [ $# -gt 0 ]; do
    jt_t=up
    [ $# -gt 1 ] || jt_t=$jt_k
    set -f
    jt_line "$1" "$jt_t" $jt_r || jt_bad=$jt_why
    set +f
    shift
  done <<EOF
$jt_l
EOF
  [ $# -eq 0 ] || return 1
  [ -z "$jt_bad" ] || { jt_why=$jt_bad; return 1; }
}
jt_need() {
  jt_check "$1" "$2" || jt_fail
}
jt_ours() {
  case $1 in
  ''|*[!0-9]*|0*) jt_why="holds \"$1\", not a process id"; return 1 ;;
  1) jt_why="holds 1, not a job's process"; return 1 ;;
  esac
  jt_s=$(cat "/proc/$1/stat" 2>/dev/null) || { jt_why="process $1 does not run"; return 1; }
  jt_s=${jt_s##*) }
  set -- "$1" "$2" $jt_s
  [ "$5" = "$1" ] || { jt_why="process $1 does not lead its own process group"; return 1; }
  cat "/proc/$1/environ" 2>/dev/null | tr '\0' '\n' | grep -Fqx -e "VMCONN_JOB_DIR=$2" ||
    { jt_why="process $1 is not the job's (no VMCONN_JOB_DIR=$2 in its environment)"; return 1; }
}
`

// jobTrustError turns a job script's refusal (exit status
// jobUntrustedStatus) into an error wrapping ErrUntrusted, with the
// script's reason; other errors are returned as they are.
func jobTrustError(err error) error {
	var ee *vmconn.ExitError
	if !errors.As(err, &ee) || ee.Status != jobUntrustedStatus {
		return err
	}
	msg := strings.TrimSpace(string(ee.Stderr))
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	return fmt.Errorf("%w: %s", ErrUntrusted, msg)
}
