#!/usr/bin/env bash
# check-elf.sh ARCH FILE...: each FILE must be a statically linked ARCH executable: no program
# interpreter (dynamic loader) and no shared library, so nothing on the Lambda host is loaded at a cold
# start and no glibc version there has to match (build-bootstrap.sh links with -static; docs/deploy.md).
# Prints one line per file; exits 1 on the first problem.
set -euo pipefail
arch=${1:?usage: check-elf.sh x86_64|arm64 FILE...}
shift
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/package/arch.sh
. "$here/arch.sh"
for f in "$@"; do
	machine=$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')
	[ "$machine" = "$CF_ELF_MACHINE" ] || { echo "FAIL: $f: machine '$machine', want '$CF_ELF_MACHINE'"; exit 1; }
	readelf -h "$f" | grep -Eq 'Type: *EXEC' || { echo "FAIL: $f: not a position-dependent executable"; exit 1; }
	! readelf -l "$f" | grep -q 'Requesting program interpreter' ||
		{ echo "FAIL: $f asks for a dynamic loader: $(readelf -l "$f" | sed -n 's/.*interpreter: \(.*\)]/\1/p')"; exit 1; }
	needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	[ -z "$needed" ] || { echo "FAIL: $f needs shared libraries: $(paste -sd' ' <<<"$needed")"; exit 1; }
	echo "ok: $f: $arch, statically linked"
done
