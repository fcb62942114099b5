#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, if any is missing. Safe to run again.
set -euo pipefail
packages=(meson ninja-build pkg-config gcc make python3 libjson-c-dev libcurl4-openssl-dev libssl-dev
	check libmicrohttpd-dev valgrind openjdk-17-jre-headless)
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
