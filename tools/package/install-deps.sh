#!/usr/bin/env bash
# The optional "package" group of tools/install-deps.sh (tools/install-deps.sh package): what
# `make dist` and `sam build` need on Debian 12 besides the default set. Safe to run again.
#   - deb-src entries, so tools/package/build-curl.sh can `apt-get source curl`;
#   - the arm64 foreign architecture, the aarch64 cross compiler and the :arm64 -dev packages;
#   - qemu-user, to run the arm64 bootstrap in the tests; zip and unzip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/../install-deps.sh"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
need_update=false

# deb-src for the suites the binary packages come from (main and security), unless some exist.
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "adding /etc/apt/sources.list.d/cartflow-deb-src.sources"
	$sudo tee /etc/apt/sources.list.d/cartflow-deb-src.sources >/dev/null <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	need_update=true
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$sudo dpkg --add-architecture arm64
	need_update=true
fi

packages=(dpkg-dev make zip unzip binutils openssl gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	libssl-dev:arm64 libjson-c-dev:arm64 qemu-user)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || $need_update; then
	$sudo apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
