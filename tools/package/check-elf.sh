#!/usr/bin/env bash
# check-elf.sh ARCH FILE...: each FILE must be an ARCH executable that needs no shared library
# outside glibc and no glibc symbol version newer than GLIBC_2.34 (what Amazon Linux 2023, the
# provided.al2023 runtime, ships). Prints one line per file; exits 1 on the first problem.
set -euo pipefail
arch=${1:?usage: check-elf.sh x86_64|arm64 FILE...}
shift
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/package/arch.sh
. "$here/arch.sh"
max_glibc=2.34
allowed='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'
for f in "$@"; do
	machine=$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')
	[ "$machine" = "$CF_ELF_MACHINE" ] || { echo "FAIL: $f: machine '$machine', want '$CF_ELF_MACHINE'"; exit 1; }
	readelf -h "$f" | grep -Eq 'Type: *(EXEC|DYN)' || { echo "FAIL: $f: not an executable"; exit 1; }
	needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	bad=$(grep -Ev "$allowed" <<<"$needed" || true)
	[ -z "$bad" ] || { echo "FAIL: $f needs shared libraries outside glibc: $(paste -sd' ' <<<"$bad")"; exit 1; }
	# Versions of the dynamic symbols it imports (objdump -T works for both architectures).
	versions=$(objdump -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV)
	newest=$(tail -1 <<<"$versions")
	newer=$(for v in $versions; do [ "$(printf '%s\n' "$v" "$max_glibc" | sort -V | tail -1)" = "$max_glibc" ] || echo "$v"; done)
	if [ -n "$newer" ]; then
		echo "FAIL: $f imports symbols newer than GLIBC_$max_glibc:"
		for v in $newer; do objdump -T "$f" | grep -Fw "GLIBC_$v"; done
		exit 1
	fi
	echo "ok: $f: $arch, needs $(paste -sd' ' <<<"$needed"), newest GLIBC_$newest"
done
