#!/usr/bin/env bash
# The main job: the whole pipeline on this machine. Installs what is missing (Debian packages,
# npm ci), builds, starts DynamoDB Local, fauxqs and the signature-verifying proxy on 127.0.0.1,
# runs cartflow-local with the two real bootstraps, stops the peers, and prints the summary.
# Extra arguments go to cartflow-local (default: --orders 200). Exit status is cartflow-local's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/install-deps.sh
tools/peers/peers.sh install
build=build-local
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release -Dtests=disabled >/dev/null
meson compile -C "$build" >/dev/null
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/cartflow-local.XXXXXX")
cleanup() { tools/peers/peers.sh stop "$run_dir" || true; }
trap cleanup EXIT
tools/peers/peers.sh start "$run_dir"
set -a
# shellcheck disable=SC1091
. "$run_dir/peers.env"
set +a
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--orders 200)
echo "logs: $run_dir"
"$build/tools/local/cartflow-local" --bin-dir "$build/shims" --log-dir "$run_dir" "${args[@]}"
