#!/usr/bin/env bash
# Installs the Debian 12 packages reglane needs to build, test and benchmark.
# Idempotent: only what is missing is installed, so `make` targets may call it
# every time. Must run as root (or with sudo available) on a fresh machine.
set -euo pipefail

PKGS=(
	build-essential pkg-config meson ninja-build python3
	clang llvm libclang-rt-14-dev
	libdpdk-dev dpdk
	libxml2-dev liburcu-dev
	libbenchmark-dev libbenchmark-tools
	libpcap-dev libjansson-dev libmicrohttpd-dev libinih-dev
	iproute2 curl sip-tester dpdk-dev wrk ethtool iputils-ping
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
