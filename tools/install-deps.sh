#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, if any is missing. Safe to run again.
set -euo pipefail
# `tools/install-deps.sh package`: this set, then what make dist / sam build need (cross toolchain, qemu).
[ "${1:-}" != package ] || exec "$(dirname "$0")/package/install-deps.sh"
packages=(meson ninja-build pkg-config gcc make python3 libjson-c-dev libcurl4-openssl-dev libssl-dev
	check libmicrohttpd-dev valgrind openjdk-17-jre-headless openssl)
# `tools/install-deps.sh bench`: this set plus what tools/bench/run-all.sh uses (the boto3 reference,
# gnuplot for the plots, cargo and Debian's serde crates for the offline Rust comparison).
[ "${1:-}" != bench ] || packages+=(python3-boto3 gnuplot-nox cargo librust-serde-json-dev librust-serde-derive-dev)
# `tools/install-deps.sh fuzz`: this set plus clang and libFuzzer's runtime, for fuzz/run.sh.
[ "${1:-}" != fuzz ] || packages+=(clang libclang-rt-dev)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
