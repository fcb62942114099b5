# shellcheck shell=bash
# Sourced by the packaging scripts: sets the toolchain for $arch (x86_64 or arm64).
#   CF_TRIPLET            GNU triplet of the target
#   CF_CC                 its C compiler
#   CF_PKG_CONFIG_LIBDIR  where its .pc files are (Debian multiarch)
#   CF_CROSS_FILE         meson cross file, empty when building natively
#   CF_RUN                prefix that runs one of its programs here (qemu for arm64 on x86_64)
#   CF_ELF_MACHINE        what `readelf -h` says its Machine is
case "${arch:?}" in
amd64) arch=x86_64 ;;
aarch64) arch=arm64 ;;
esac
case "$arch" in
x86_64) CF_TRIPLET=x86_64-linux-gnu CF_ELF_MACHINE='Advanced Micro Devices X86-64' ;;
arm64) CF_TRIPLET=aarch64-linux-gnu CF_ELF_MACHINE=AArch64 ;;
*) echo "unknown architecture '$arch' (use x86_64 or arm64)" >&2; exit 2 ;;
esac
CF_PKG_CONFIG_LIBDIR="/usr/lib/$CF_TRIPLET/pkgconfig:/usr/share/pkgconfig"
if [ "$(gcc -dumpmachine)" = "$CF_TRIPLET" ]; then
	CF_CC=gcc CF_CROSS_FILE="" CF_RUN=""
else
	CF_CC="$CF_TRIPLET-gcc"
	CF_CROSS_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cross-$CF_TRIPLET.ini"
	[ -f "$CF_CROSS_FILE" ] || { echo "no cross file $CF_CROSS_FILE for $arch on this $(gcc -dumpmachine) machine" >&2; exit 2; }
	command -v "$CF_CC" >/dev/null || { echo "$CF_CC missing: run tools/install-deps.sh package" >&2; exit 2; }
	case "${arch:?}" in
	arm64) CF_RUN="qemu-aarch64 -L /usr/$CF_TRIPLET" ;;
	x86_64) CF_RUN="qemu-x86_64 -L /usr/$CF_TRIPLET" ;;
	esac
fi
export CF_TRIPLET CF_CC CF_PKG_CONFIG_LIBDIR CF_CROSS_FILE CF_RUN CF_ELF_MACHINE
