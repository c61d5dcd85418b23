#!/usr/bin/env bash
# Installs the system packages the tests need, when they are missing and
# we are root (as on CI and a fresh Debian machine). As another user it
# only says what is missing: the tests that need it skip with a message.
set -euo pipefail

need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v busybox >/dev/null 2>&1 || need+=(busybox)
command -v dropbear >/dev/null 2>&1 || [ -x /usr/sbin/dropbear ] || need+=(dropbear-bin)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86) # internal/qemuvm: the real VM tier
command -v xz >/dev/null 2>&1 || need+=(xz-utils)                           # qemuvm: unpacks the kernel and its modules
command -v sudo >/dev/null 2>&1 || need+=(sudo)
# Login shells under which every command must run the same (issue 11).
for sh in zsh fish tcsh mksh; do
	command -v "$sh" >/dev/null 2>&1 || need+=("$sh")
done

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${need[*]}; run as root to install them (tests needing them will skip)" >&2
	exit 0
fi
echo "install-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Up to three tries, so that a mirror's hiccup does not fail a CI run.
for try in 1 2 3; do
	if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
		exit 0
	fi
	echo "install-deps: apt-get failed (try $try of 3)" >&2
	[ "$try" -eq 3 ] || sleep $((try * 5))
done
exit 1
