#!/usr/bin/env bash
# build-bootstrap.sh ARCH [NAME DEST]: builds both Lambda bootstraps for ARCH (x86_64 or arm64)
# as self-contained executables in build-static-ARCH/shims/, checks them with check-elf.sh, and
# with NAME (process-cart-products or update-cart-status) copies that one, stripped and mode 755,
# to DEST (the Makefile's $(ARTIFACTS_DIR)/bootstrap).
#
# json-c and OpenSSL link statically from Debian's -dev packages, libcurl from build-curl.sh:
# meson's built-in -Dprefer_static=true turns every pkg-config dependency into its .a, and
# -Dpkg_config_path puts the static curl's libcurl.pc before Debian's shared one. -static: glibc too,
# so there is no dynamic loader to run at every cold start (0.7 ms of a 3.8 ms start to the first
# /next on the CI machine kind; docs/performance.md) and no glibc version to match on the host; names
# resolve through glibc's built-in "files" and "dns" sources (docs/deploy.md). -no-pie: a
# position-dependent executable has ~19,000 fewer relocations to apply at every cold start. The archive
# members listed in hot-objects.txt (the code a cold start runs, found by hot-objects.sh) are
# extracted and linked first (meson option bootstrap_link_args), so that code sits together and a
# cold start touches fewer pages (the same objects, in another order). Where the read-only data has a
# segment of its own (x86_64), it is placed at the first 2 MiB boundary after the code, which puts it
# and the writable data in one 2 MiB span (one page-table page) and leaves the cold code's span
# untouched by a cold start until it exits; found from a first link, so a second one follows when it
# moves. Only the two executables are built (ninja targets).
set -euo pipefail
arch=${1:?usage: build-bootstrap.sh x86_64|arm64 [process-cart-products|update-cart-status DEST]}
name=${2:-}
dest=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/package/arch.sh
. "$here/arch.sh"
case "$name" in
'' | process-cart-products | update-cart-status) ;;
*) echo "build-bootstrap.sh: unknown bootstrap '$name'" >&2; exit 2 ;;
esac
[ -z "$name" ] || [ -n "$dest" ] || { echo "build-bootstrap.sh: NAME needs DEST" >&2; exit 2; }

# One build per architecture at a time (sam build --parallel runs both functions at once).
mkdir -p "$root/build-static"
exec 9>"$root/build-static/lock-$arch"
flock 9

prefix=$("$here/build-curl.sh" "$arch")
dir="$root/build-static-$arch"

# Extract the members of hot-objects.txt found in this build's archives into build-static/hot-ARCH/
# and print their paths in the list's order. A member an archive lacks (another version, another
# architecture) is left out: the order is an optimisation, the link is complete without it.
# libcartflow.a is built by meson itself and already links first.
# Paths are joined with spaces here and commas for meson: the checkout's path must have neither.
hot_objects() {
	local out="$root/build-static/hot-$arch" archive member path
	local -A members=()
	local -a order=()
	rm -rf "$out"
	while read -r archive member; do
		case "$archive" in '' | '#'* | libcartflow.a) continue ;; esac
		members[$archive]+=" $member"
		order+=("$archive/$member")
	done <"$here/hot-objects.txt"
	for archive in "${!members[@]}"; do
		if [ "$archive" = libcurl.a ]; then path="$prefix/lib/libcurl.a"; else path=$("$CF_CC" -print-file-name="$archive"); fi
		[ -f "$path" ] || continue
		mkdir -p "$out/$archive"
		# shellcheck disable=SC2086 # one word per member
		(cd "$out/$archive" && ar x "$path" ${members[$archive]} 2>/dev/null) || true
	done
	for member in "${order[@]}"; do
		[ ! -f "$out/$member" ] || printf ' %s' "$out/$member"
	done
}
link_args='-static -no-pie'
[ -r "$here/hot-objects.txt" ] || { echo "build-bootstrap.sh: $here/hot-objects.txt missing (tools/package/hot-objects.sh writes it)" >&2; exit 1; }
hot=$(hot_objects) || exit 1
[ -n "$hot" ] || echo "build-bootstrap.sh: no member of hot-objects.txt found in this build's archives; linking without the layout" >&2
hot_args="$(tr ' ' ',' <<<"${hot# }")" # meson's list: comma-separated
setup="$prefix $link_args$hot"  # a build directory set up with anything else is set up again
if [ -f "$dir/build.ninja" ] && [ "$(cat "$dir/.setup" 2>/dev/null)" != "$setup" ]; then
	rm -rf "$dir"
fi
if [ ! -f "$dir/build.ninja" ]; then
	cross=()
	[ -z "$CF_CROSS_FILE" ] || cross=(--cross-file "$CF_CROSS_FILE")
	meson setup "$dir" "$root" "${cross[@]}" -Dprefer_static=true -Dpkg_config_path="$prefix/lib/pkgconfig" \
		-Doptimization=2 -Ddebug=false -Dtests=disabled -Dexamples=disabled -Dc_link_args="$link_args" \
		-Dbootstrap_link_args="$hot_args" \
		>"$root/build-static/meson-$arch.setup.log" 2>&1 ||
		{ cat "$root/build-static/meson-$arch.setup.log" >&2; exit 1; }
	echo "$setup" >"$dir/.setup"
fi
compile() {
	meson compile -C "$dir" process-cart-products update-cart-status >"$root/build-static/meson-$arch.compile.log" 2>&1
}
compile_or_fail() {
	compile || { tail -40 "$root/build-static/meson-$arch.compile.log" >&2; exit 1; }
}
# The first 2 MiB boundary after the end of the code of both executables, when the read-only data
# has a segment of its own (a PT_LOAD with flags R only after the R E one); empty otherwise.
rodata_segment() {
	local headers type vaddr memsz flags more code=0 own=0
	headers=$("$CF_TRIPLET-readelf" -lW "$@") || return 1
	while read -r type _ vaddr _ _ memsz flags more; do
		[ "$type" = LOAD ] || continue
		case "$flags ${more%% *}" in # "R E 0x1000": the flags are one or two words before the alignment
		"R 0x"*) [ "$code" = 0 ] || own=1 ;;
		*E*) code=$((vaddr + memsz > code ? vaddr + memsz : code)) ;;
		esac
	done <<<"$headers"
	[ "$own" = 0 ] || printf '0x%x\n' $(((code + 0x1fffff) / 0x200000 * 0x200000))
}
link_with() { meson configure "$dir" -Dbootstrap_link_args="$1" >/dev/null; }
# A place for the read-only data found by an earlier build no longer fits when the code has grown
# past it: link without it, then find it again.
compile || { link_with "$hot_args" || exit 1; compile_or_fail; }
rodata=$(rodata_segment "$dir/shims/process-cart-products" "$dir/shims/update-cart-status") ||
	{ echo "build-bootstrap.sh: $CF_TRIPLET-readelf failed on the bootstraps" >&2; exit 1; }
if [ -n "$rodata" ] && ! grep -q -- "-Trodata-segment=$rodata\"" "$dir/meson-info/intro-buildoptions.json"; then
	link_with "${hot_args:+$hot_args,}-Xlinker,-Trodata-segment=$rodata"
	compile_or_fail
fi
"$here/check-elf.sh" "$arch" "$dir/shims/process-cart-products" "$dir/shims/update-cart-status" >&2

if [ -n "$name" ]; then
	mkdir -p "$(dirname "$dest")"
	rm -f "$dest"
	"$CF_TRIPLET-strip" -o "$dest" "$dir/shims/$name"
	chmod 755 "$dest"
fi
