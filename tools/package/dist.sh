#!/usr/bin/env bash
# dist.sh ARCH...: builds both bootstraps for each ARCH (x86_64, arm64) and writes
# dist/process-cart-products-ARCH.zip and dist/update-cart-status-ARCH.zip, each holding one
# file, bootstrap (mode 755), with a fixed timestamp so the same binary gives the same zip.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: dist.sh x86_64|arm64..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$root/dist" "$root/build-static"
exec 8>"$root/build-static/lock-dist"
flock 8
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The static curls first, side by side: their configure scripts are serial, and most of the time.
pids=()
for arch in "$@"; do
	"$here/build-curl.sh" "$arch" >/dev/null &
	pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
for arch in "$@"; do
	for name in process-cart-products update-cart-status; do
		rm -rf "${scratch:?}/$name" && mkdir "$scratch/$name"
		"$here/build-bootstrap.sh" "$arch" "$name" "$scratch/$name/bootstrap"
		touch -d '2000-01-01 00:00:00 UTC' "$scratch/$name/bootstrap"
		zip="$root/dist/$name-$arch.zip"
		rm -f "$zip"
		(cd "$scratch/$name" && TZ=UTC zip -q -X -9 "$zip" bootstrap)
		echo "$zip ($(stat -c %s "$scratch/$name/bootstrap") bytes, zipped $(stat -c %s "$zip"))"
	done
done
