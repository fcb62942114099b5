#!/usr/bin/env bash
# Installs the built library into a scratch prefix, builds examples/ with nothing but pkg-config,
# and runs the example on an ORDERED INSERT: proves the installed headers, .pc file and library work.
set -euo pipefail
build_dir=$1 source_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
meson install -C "$build_dir" --destdir "$scratch" --no-rebuild >/dev/null
prefix=$(meson introspect "$build_dir" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
pcdir=$(dirname "$(find "$scratch$prefix" -name cartflow.pc | head -n1)")
libdir=$(dirname "$pcdir")
cp "$source_dir/examples/stream_to_messages.c" "$source_dir/examples/Makefile" "$scratch/"
PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$scratch" make -s -C "$scratch" stream_to_messages
out=$(LD_LIBRARY_PATH="$libdir" "$scratch/stream_to_messages" "$source_dir/test/data/orders/stream_insert_ordered.json")
expected=$(cat "$source_dir/test/data/orders/stream_insert_ordered.body.json")
if [ "$out" != "$expected" ]; then
	echo "example output differs"; echo " got: $out"; echo "want: $expected"; exit 1
fi
echo "installed library usable through pkg-config"
