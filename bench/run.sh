#!/usr/bin/env bash
# bench/run.sh: the reproducible comparison of issue 7. Starts OpenSSH sshd
# instances on loopback, measures vmconn, raw golang.org/x/crypto/ssh, the
# OpenSSH client and paramiko twice, and writes BENCHMARKS.md and
# bench/fanout.svg. Run it as root on Debian 12 from anywhere in the
# repository; it installs the Debian packages it needs. Needs Go 1.26 (not
# packaged for Debian 12: https://go.dev/dl/). Takes about 40 minutes.
#
# Extra arguments go to every "vmbench run", e.g. for a quick try:
#   bench/run.sh -fanout 10,20,40 -latency-n 60 -connect-n 12 -bytes 67108864
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: run as root: it installs packages, and hides root's shell rc files from sshd's" >&2
	echo "login shell in a private mount namespace (a slow ~/.bashrc would be measured otherwise)" >&2
	exit 1
fi

# Debian packages, installed when a tool is missing.
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || need+=(openssh-client)
/usr/bin/python3 -c 'import paramiko' 2>/dev/null || need+=(python3-paramiko)
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
command -v unshare >/dev/null || need+=(util-linux)
command -v xargs >/dev/null || need+=(findutils)
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
	echo "bench/run.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v go >/dev/null; then
	echo "bench/run.sh: Go 1.26 is needed (https://go.dev/dl/; Debian 12 packages only Go 1.19)" >&2
	exit 1
fi

# A thousand connections at once: file descriptors for every client (as
# many as allowed, up to 65536; a container may cap the hard limit).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
	echo "bench/run.sh: at most $(ulimit -n) open files; the 1000-connection fan-out needs 4096" >&2
	exit 1
fi

work=$(mktemp -d /tmp/vmbench.XXXXXX)
vmbench_pid=
cleanup() {
	if [ -n "$vmbench_pid" ]; then
		kill "$vmbench_pid" 2>/dev/null || true
		wait "$vmbench_pid" 2>/dev/null || true
	fi
	# vmbench stops its sshd instances itself; should it have died, stop
	# those left: their command lines name files under $work.
	for p in /proc/[0-9]*; do
		if grep -qzF -- "$work/" "$p/cmdline" 2>/dev/null; then
			kill "${p#/proc/}" 2>/dev/null || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export TMPDIR="$work"

go build -o "$work/vmbench" ./bench/cmd/vmbench
mkdir -p bench/results
runs=()
for run in 1 2; do
	"$work/vmbench" run -run "$run" -o "bench/results/run$run.json" "$@" &
	vmbench_pid=$!
	wait "$vmbench_pid"
	vmbench_pid=
	runs+=("bench/results/run$run.json")
done
cmd="bench/run.sh${*:+ $*}"
"$work/vmbench" report -o BENCHMARKS.md -svg bench/fanout.svg -cmd "$cmd" "${runs[@]}"
echo "bench/run.sh: wrote BENCHMARKS.md and bench/fanout.svg (raw results in bench/results/)" >&2
