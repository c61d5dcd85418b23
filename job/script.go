package job

import (
	"context"
	"strconv"
	"time"

	"github.com/vmconn/vmconn"
)

// The scripts below run on the machine with /bin/sh -c, their inputs
// passed as positional parameters (each quoted with vmconn.ShellQuote), so that
// no byte of a command or a path is ever parsed as shell syntax.

// jobDefaultDir is the base directory when Options.Dir is empty. It is
// expanded on the machine.
const jobDefaultDir = `${XDG_CACHE_HOME:-$HOME/.cache}/vmconn/jobs`

// jobStartScript checks the base directory (see jobTrustFuncs: before
// creating it, the nearest directory that exists; after, the base itself),
// creates the job directory in it and starts the wrapper, detached, then
// prints the directory, the pid, the wrapper's pid and the
// start time, each followed by a NUL byte.
// $1 wrapper script, $2 base dir ("" = default), $3 command as given,
// $4 timeout (seconds, 0 = none), $5 kill delay, $6 boot id, $7 "1" to use
// systemd-run --user --scope. It chooses the job's Mechanism: flock where
// the machine has it, else pid. The job's environment (Options.Env) is
// not a parameter: it reaches this script as exported variables (see
// Cmd.Env: over stdin, never on a command line), and the job inherits it.
const jobStartScript = jobTrustFuncs + `for t in mktemp setsid tail; do
  command -v "$t" >/dev/null 2>&1 || { echo "vmconn: jobs need $t on the machine" >&2; exit 94; }
done
mech=pid
! command -v flock >/dev/null 2>&1 || mech=flock
if [ "$7" = 1 ]; then
  command -v systemd-run >/dev/null 2>&1 || { echo "vmconn: SystemdScope needs systemd-run" >&2; exit 94; }
  set -- "$@" systemd-run --user --scope --quiet --collect --
fi
m=$(umask)
umask 077
base=$2
[ -n "$base" ] || base=` + jobDefaultDir + `
case $base in /*) ;; *) base=./$base ;; esac
if [ ! -d "$base" ]; then
  a=$base
  while [ ! -d "$a" ]; do
    case $a in */*) a=${a%/*} ;; *) a=. ;; esac
    [ -n "$a" ] || a=/
  done
  jt_need "$a" up
  mkdir -p -- "$base" || exit 90
fi
jt_need "$base" own
d=$(mktemp -d "$jt_d/$(date -u +%Y%m%d-%H%M%S)-XXXXXX") || exit 91
{ printf '%s' "$3" >"$d/command" && printf '%s\n' "$6" >"$d/boot_id" &&
  printf '%s\n' "$4" >"$d/timeout" && date +%s >"$d/started" &&
  printf '%s\n' "$mech" >"$d/mechanism" &&
  : >"$d/stdout" && : >"$d/stderr"; } || exit 92
w=$1 c=$3 t=$4 k=$5
shift 7
if setsid -f true </dev/null >/dev/null 2>&1; then
  "$@" setsid -f /bin/sh -c "$w" vmconn-job "$d" /bin/sh "$c" "$t" "$k" "$m" "$mech" </dev/null >/dev/null 2>>"$d/launch.log"
else
  "$@" setsid /bin/sh -c "$w" vmconn-job "$d" /bin/sh "$c" "$t" "$k" "$m" "$mech" </dev/null >/dev/null 2>>"$d/launch.log" &
fi
i=0
while [ ! -s "$d/pid" ]; do
  i=$((i + 1))
  if [ "$i" -gt 1500 ]; then
    cat "$d/launch.log" >&2
    echo "vmconn: the job did not start" >&2
    exit 93
  fi
  sleep 0.01 2>/dev/null || sleep 1
done
printf '%s\0' "$d" "$(cat "$d/pid")" "$(cat "$d/wrapper")" "$(cat "$d/started")"
`

// jobWrapperScript runs detached, in a session of its own. It makes its
// life visible by its Mechanism: it holds the lock for as long as it lives
// (flock), or records its start time (pid) before its pid. It runs the command in yet another session
// (so that a signal to the command's group spares the wrapper), with the
// session's umask and VMCONN_JOB_DIR set to the job directory (the
// marker by which Kill knows the job's process), kills it on timeout, and
// records its exit status atomically. Its own files are private (umask
// 077). The command's stdout and stderr logs are opened by the command's
// shell, not by the wrapper's: a shell that reports a child killed by a
// signal ("Terminated", as dash does) writes that to launch.log, not into
// the job's stderr.
// $1 job dir, $2 shell, $3 command line, $4 timeout, $5 kill delay,
// $6 the session's umask, $7 the mechanism.
const jobWrapperScript = jobAliveFuncs + `d=$1
if [ "$7" = pid ]; then
  s=$(jw_stime "$$") && printf '%s\n' "$s" >"$d/wrapper.start" || exit 1
  ! jw_read /proc/sys/kernel/random/boot_id || printf '%s\n' "$jw_v" >"$d/wrapper.boot" || exit 1
else
  exec 9>>"$d/lock" && flock -x 9 || exit 1
fi
printf '%s\n' "$$" >"$d/wrapper.tmp" && mv -f "$d/wrapper.tmp" "$d/wrapper" || exit 1
k=
if [ "$4" != 0 ]; then
  setsid /bin/sh -c 'sleep "$2" || exit 0
[ ! -e "$1/exit" ] && [ -s "$1/pid" ] || exit 0
p=$(cat "$1/pid")
case $p in ""|*[!0-9]*|0*|1) exit 0 ;; esac
: >"$1/timedout"
kill -s TERM -- "-$p"
sleep "$3"
kill -s KILL -- "-$p"' vmconn-timeout "$d" "$4" "$5" </dev/null >/dev/null 2>&1 9>&- &
  k=$!
fi
VMCONN_JOB_DIR=$d setsid /bin/sh -c 'printf "%s\n" "$$" >"$1/pid.tmp" && mv -f "$1/pid.tmp" "$1/pid" || exit 125
umask "$4"
exec "$2" -c "$3" >>"$1/stdout" 2>>"$1/stderr"' vmconn-job "$d" "$2" "$3" "$6" </dev/null 9>&-
s=$?
[ -z "$k" ] || kill -s KILL -- "-$k" 2>/dev/null
printf '%s %s\n' "$s" "$(date +%s)" >"$d/exit.tmp" && mv -f "$d/exit.tmp" "$d/exit"
`

// jobFollowScript prints a marker line on stdout and on stderr, then the
// stdout and stderr logs from the given offsets, on its stdout and
// stderr. With $4 = "1" it follows the logs until the wrapper has ended
// (its lock is free, or its process gone: see Mechanism), then ends after
// a last read.
// It first checks the job directory (see jobTrustFuncs), silently.
// $1 job dir, $2 stdout offset, $3 stderr offset, $4 follow, $5 marker.
const jobFollowScript = jobTrustFuncs + jobAliveFuncs + `jt_check "$1" own || exit 97
d=$jt_d
printf '%s\n' "$5"
printf '%s\n' "$5" >&2
[ -f "$d/stdout" ] && [ -f "$d/stderr" ] || exit 96
o=$(($2 + 1)) e=$(($3 + 1))
if [ "$4" != 1 ]; then
  tail -c "+$o" "$d/stdout" || exit
  exec tail -c "+$e" "$d/stderr" >&2
fi
if jw_pid "$d"; then
  while jw_alive "$d"; do sleep 0.1 2>/dev/null || sleep 1; done </dev/null >/dev/null 2>&1 &
else
  flock -s "$d/lock" true </dev/null >/dev/null 2>&1 &
fi
l=$!
if tail --pid="$l" -c 0 /dev/null >/dev/null 2>&1; then
  tail -s 0.1 --pid="$l" -c "+$o" -f "$d/stdout" &
  a=$!
  tail -s 0.1 --pid="$l" -c "+$e" -f "$d/stderr" >&2 &
  b=$!
  wait "$a"
  wait "$b"
else
  tail -c "+$o" -f "$d/stdout" &
  a=$!
  tail -c "+$e" -f "$d/stderr" >&2 &
  b=$!
  wait "$l"
  sleep 1
  kill "$a" "$b" 2>/dev/null
fi
kill "$l" 2>/dev/null
exit 0
`

// jobStatusScript prints the base directory and the machine's clock, then
// one record per job: directory, wrapper alive ("1", see Mechanism),
// exit file, timed out, pid, wrapper pid, boot id, start time, timeout,
// stdout size, stderr size, mechanism, command; every field followed by a
// NUL byte. The wrapper is tested before the exit file is read, and the
// sizes after: a dead wrapper and no exit file means the wrapper died without recording a
// status, and the sizes of an exited job include all its output.
// The base directory is checked (see jobTrustFuncs) when it is needed
// (to list, or for an ID that is not a path), as is each job named; the
// listing skips entries that are not directories of the user's alone.
// $1 base dir ("" = default), then job IDs or directories (none = all).
const jobStatusScript = jobTrustFuncs + jobAliveFuncs + `base=$1
shift
[ -n "$base" ] || base=` + jobDefaultDir + `
case $base in /*) ;; *) base=./$base ;; esac
need=0
[ $# -ne 0 ] || need=1
for i in "$@"; do
  case $i in /*) ;; *) need=1 ;; esac
done
if [ "$need" = 1 ] && [ -d "$base" ]; then
  jt_need "$base" own
  base=$jt_d
fi
printf '%s\0' "$base" "$(date +%s)"
info() {
  [ -f "$1/command" ] || return 0
  if [ "$2" != listed ]; then
    jt_need "$1" own
    set -- "$jt_d"
  fi
  a=0
  ! jw_alive "$1" || a=1
  t=
  [ ! -e "$1/timedout" ] || t=1
  jw_read "$1/exit"
  printf '%s\0' "$1" "$a" "$jw_v" "$t"
  for f in pid wrapper boot_id started timeout; do
    jw_read "$1/$f"
    printf '%s\0' "$jw_v"
  done
  printf '%s\0' "$(wc -c <"$1/stdout" 2>/dev/null)" "$(wc -c <"$1/stderr" 2>/dev/null)"
  jw_read "$1/mechanism"
  printf '%s\0' "$jw_v"
  cat "$1/command" 2>/dev/null
  printf '\0'
}
if [ $# -eq 0 ]; then
  for d in "$base"/*; do
    [ ! -d "$d" ] || ! jt_mode "$d" own || info "$d" listed
  done
else
  for i in "$@"; do
    case $i in /*) info "$i" ;; *) info "$base/$i" ;; esac
  done
fi
`

// jobKillScript signals the job's process group, after checking the job
// directory and that the pid file names the job's process group (see
// jobTrustFuncs), and that the job still runs under the same boot.
// $1 job dir, $2 signal name, $3 boot id.
const jobKillScript = jobTrustFuncs + `[ -f "$1/command" ] || exit 3
jt_need "$1" own
d=$jt_d
[ "$(cat "$d/boot_id" 2>/dev/null)" = "$3" ] || exit 4
[ ! -e "$d/exit" ] || exit 5
p=$(cat "$d/pid" 2>/dev/null)
if ! jt_ours "$p" "$d"; then
  sleep 0.2 2>/dev/null || sleep 1
  [ ! -e "$d/exit" ] || exit 5
  jt_why="$d/pid: $jt_why: nothing signalled"
  jt_fail
fi
kill -s "$2" -- "-$p" && exit 0
sleep 0.2 2>/dev/null || sleep 1
[ ! -e "$d/exit" ] || exit 5
exit 1
`

// jobRemoveScript removes job directories (those holding a command
// file), each checked first (see jobTrustFuncs).
// $@ job directories.
const jobRemoveScript = jobTrustFuncs + `for d in "$@"; do
  [ -f "$d/command" ] || continue
  jt_need "$d" own
  rm -rf -- "$jt_d" || exit 1
done
`

// jobScript runs script on the machine with args as its positional
// parameters and returns its standard output.
// A refusal of jobTrustFuncs is an error wrapping ErrUntrusted.
func runScript(ctx context.Context, c *vmconn.Client, script string, args ...string) ([]byte, error) {
	out, err := c.Output(ctx, jobScriptLine(script, args...))
	return out, jobTrustError(err)
}

// jobScriptLine is the command line that runs script with args.
func jobScriptLine(script string, args ...string) string {
	line := "exec /bin/sh -c " + vmconn.ShellQuote(script) + " vmconn-job"
	if len(args) > 0 {
		line += " " + vmconn.ShellJoin(args...)
	}
	return line
}

// seconds renders d for sleep(1): whole or decimal seconds.
func seconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
