package job

// Mechanism says how a job tells "the wrapper still runs" from "the
// wrapper died": what Status reads to choose between Running and Lost
// ("vanished"), and what Follow waits on. Start chooses it from the tools
// the machine has, and the job directory records it (file "mechanism").
type Mechanism string

// The mechanisms.
const (
	// MechanismFlock: the wrapper holds an flock(1) lock on the job's
	// "lock" file for as long as it lives, which the kernel frees however
	// it dies. Chosen where flock is installed (util-linux, or a busybox
	// built with it). Jobs started before the mechanism was recorded use
	// it too.
	MechanismFlock Mechanism = "flock"

	// MechanismPid: the wrapper records its pid ("wrapper") and the start
	// time of that process ("wrapper.start", in clock ticks since boot, as
	// /proc/PID/stat gives it) and the kernel's boot id ("wrapper.boot");
	// the wrapper lives while a process with that pid and that start time
	// runs under that boot and is not a zombie. A reused pid has another
	// start time, and a process of a later boot another boot id, so the
	// test needs no word from the client. Chosen
	// where flock is missing, as with Debian's busybox: it needs only a
	// shell and Linux's /proc.
	MechanismPid Mechanism = "pid"
)

// parseMechanism reads the job directory's "mechanism" file; empty (a
// job of an older vmconn) means MechanismFlock.
func parseMechanism(s string) Mechanism {
	if s == string(MechanismPid) {
		return MechanismPid
	}
	return MechanismFlock
}

// jobAliveFuncs defines the shell functions that tell whether a job's
// wrapper lives, for the scripts that include it (kept short: every
// status and follow command carries them). All their variables start
// with "jw_".
//
// jw_stime PID prints the start time of process PID (field 22 of
// /proc/PID/stat) and fails if it does not run or is a zombie.
// jw_read FILE sets jw_v to the first line of FILE, with no fork (a
// job's small files), and fails if it cannot be read.
// jw_pid DIR succeeds if the job's mechanism is pid (see Mechanism).
// jw_alive DIR succeeds while the job's wrapper lives.
const jobAliveFuncs = `jw_stime() {
  jw_s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  set -- ${jw_s##*) }
  [ $# -ge 20 ] && [ "$1" != Z ] || return 1
  shift 19
  echo "$1"
}
jw_read() {
  jw_v=
  [ -f "$1" ] && { IFS= read -r jw_v 2>/dev/null <"$1" || [ -n "$jw_v" ]; }
}
jw_pid() { jw_read "$1/mechanism" && [ "$jw_v" = pid ]; }
jw_alive() {
  if jw_pid "$1"; then
    jw_read "$1/wrapper" && jw_p=$jw_v && jw_read "$1/wrapper.start" && jw_t=$jw_v || return 1
    case $jw_p$jw_t in *[!0-9]*) return 1 ;; esac
    ! jw_read "$1/wrapper.boot" || { jw_b=$jw_v; ! jw_read /proc/sys/kernel/random/boot_id || [ "$jw_v" = "$jw_b" ] || return 1; }
    [ -n "$jw_t" ] && [ "$(jw_stime "$jw_p")" = "$jw_t" ]
  else
    ! flock -n -s "$1/lock" true </dev/null >/dev/null 2>&1
  fi
}
`
