#!/usr/bin/env bash
# build-curl.sh ARCH: builds a minimal static libcurl (HTTP and HTTPS over OpenSSL, nothing else)
# for ARCH (x86_64 or arm64) from Debian's curl source package, once, and prints its prefix.
#   build-static/curl-<debian version>/src           the source with Debian's patches (CVE fixes)
#   build-static/curl-<debian version>/<arch>/prefix lib/libcurl.a, include/, lib/pkgconfig/libcurl.pc
# A later run finds the prefix's .complete stamp and only prints the path.
set -euo pipefail
arch=${1:?usage: build-curl.sh x86_64|arm64}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/package/arch.sh
. "$here/arch.sh"
cache="$root/build-static"
mkdir -p "$cache"

# The version apt would fetch (the newest in the archive, security updates included); without
# apt's lists, the newest one already built here.
version=$(cd /tmp && apt-get source --print-uris -qq curl 2>/dev/null | sed -n "s/^'[^']*' curl_\(.*\)\.dsc .*/\1/p" | head -1)
if [ -z "$version" ]; then
	# shellcheck disable=SC2012
	built=$(ls -d "$cache"/curl-*/"$arch"/prefix/.complete 2>/dev/null | sort -V | tail -1)
	[ -n "$built" ] || { echo "build-curl.sh: apt-get source curl finds nothing: run tools/install-deps.sh package" >&2; exit 1; }
	dirname "$built"
	exit 0
fi
top="$cache/curl-$version"
prefix="$top/$arch/prefix"
if [ -f "$prefix/.complete" ]; then
	echo "$prefix"
	exit 0
fi
# One build per architecture at a time; the two architectures may build side by side (dist.sh).
exec 7>"$cache/lock-curl-$arch"
flock 7
if [ -f "$prefix/.complete" ]; then
	echo "$prefix"
	exit 0
fi

log="$top/$arch/build.log"
mkdir -p "$top/$arch"
: >"$log"
exec 6>"$cache/lock-curl-src"
flock 6
if [ ! -f "$top/src/.complete" ]; then
	echo "build-curl.sh: fetching curl $version with apt-get source" >&2
	rm -rf "$top/dl" "$top/src"
	mkdir -p "$top/dl"
	(cd "$top/dl" && apt-get source -qq --download-only "curl=$version") >>"$log" 2>&1 ||
		{ cat "$log" >&2; exit 1; }
	dpkg-source -x "$top/dl/curl_$version.dsc" "$top/src" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
	# Debian builds its OpenSSL flavour with the last two patches (GnuTLS and NSS renames) popped.
	(cd "$top/src" && patch -R -s -p1 <debian/patches/99_nss.patch && patch -R -s -p1 <debian/patches/90_gnutls.patch)
	touch "$top/src/.complete"
fi
flock -u 6

echo "build-curl.sh: building static libcurl $version for $arch" >&2
start=$SECONDS
rm -rf "$top/$arch/build" "$prefix"
mkdir -p "$top/$arch/build"
cd "$top/$arch/build"
(
	export PKG_CONFIG_LIBDIR="$CF_PKG_CONFIG_LIBDIR"
	unset PKG_CONFIG_PATH
	"$top/src/configure" --host="$CF_TRIPLET" --build="$(gcc -dumpmachine)" \
		--prefix="$prefix" --libdir="$prefix/lib" \
		CC="$CF_CC" AR="$CF_TRIPLET-ar" RANLIB="$CF_TRIPLET-ranlib" \
		CFLAGS="-O2 -g0 -fstack-protector-strong -D_FORTIFY_SOURCE=2" \
		CPPFLAGS="-DCURL_PATCHSTAMP=\\\"$version\\\"" \
		--disable-shared --enable-static --with-pic --disable-dependency-tracking --disable-silent-rules \
		--with-openssl --disable-openssl-auto-load-config \
		--with-ca-bundle=/etc/pki/tls/certs/ca-bundle.crt --without-ca-path --without-ca-fallback \
		--enable-http --enable-proxy --enable-ipv6 --enable-threaded-resolver \
		--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
		--disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher \
		--disable-mqtt --disable-smb --disable-ntlm-wb --disable-tls-srp --disable-manual \
		--disable-libcurl-option \
		--without-zlib --without-brotli --without-zstd --without-libpsl --without-libidn2 \
		--without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-quiche --without-msh3 \
		--without-libssh2 --without-libssh --without-wolfssh --without-librtmp --without-libgsasl \
		--without-hyper --without-zsh-functions-dir --without-fish-functions-dir
	make -j"$(nproc)" -C lib
	make -C lib install
	make -C include install
	make install-pkgconfigDATA install-binSCRIPTS
) >>"$log" 2>&1 || { tail -60 "$log" >&2; echo "build-curl.sh: failed, see $log" >&2; exit 1; }
touch "$prefix/.complete"
echo "build-curl.sh: static libcurl for $arch built in $((SECONDS - start)) s" >&2
echo "$prefix"
