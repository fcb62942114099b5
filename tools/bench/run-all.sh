#!/usr/bin/env bash
# The whole benchmark suite, C next to the Python/boto3 reference measured in the same run; writes
# docs/perf-results.md (generated: do not edit) and docs/latency-stream.png, docs/latency-sqs.png.
#
#   tools/bench/run-all.sh [--quick] [--no-e2e] [--e2e-runs N] [--orders N]
#
# Installs what is missing (tools/install-deps.sh bench), builds into build-bench/ (meson, release),
# then runs: bench_compare (cold start, next to tools/bench/protocol_floor.c's floor; RSS, round
# trips under 10 ms per AWS call, latency vs batch size), bench_faults (this machine's cost of a page
# fault and a system call, printed with the machine), bench_transform (MB/s), callgrind (instructions
# per input byte, C and Rust serde_json), the reference's JSON work (MB/s), and tools/run-local.sh
# --orders 1000 (end to end, local peers).
# The C bootstraps measured are the deployed ones when they exist: dist/*-x86_64.zip, else
# build-static-x86_64/shims/, else this build's (dynamic); the table says which. Leaves no process
# behind: every benchmark program waits for what it starts; run-local.sh stops its peers.
# About 3-4 minutes on the 2-core machine (--quick: about 2, for trying the suite; --no-e2e: 1 less).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
quick=() e2e=1 e2e_runs=3 orders=1000
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=(--quick) e2e_runs=1 ;;
	--no-e2e) e2e=0 ;;
	--e2e-runs) e2e_runs=$2; shift ;;
	--orders) orders=$2; shift ;;
	*) echo "usage: $0 [--quick] [--no-e2e] [--e2e-runs N] [--orders N]" >&2; exit 2 ;;
	esac
	shift
done
t0=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# CPU pressure (share of time some task waited for a CPU, last 60 s), when the kernel reports it.
psi() { sed -n 's/^some avg10=[0-9.]* avg60=\([0-9.]*\).*/\1 %/p' /proc/pressure/cpu 2>/dev/null || true; }
psi_start=$(psi)
say() { printf '[%4ds] %s\n' $(($(date +%s) - t0)) "$*" >&2; }

tools/install-deps.sh bench
build=build-bench
work=$build/perf
rm -rf "$work"
mkdir -p "$work"
[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release -Dtests=disabled -Dexamples=disabled >/dev/null
say "building $build"
meson compile -C "$build" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 1; }
bin=$build/tools/bench

# The C bootstraps "as deployed", copied now so that a rebuild elsewhere cannot change them mid-run.
deployed=$work/as-deployed
mkdir -p "$deployed"
fns=(process-cart-products update-cart-status)
label=""
if [ -f dist/process-cart-products-x86_64.zip ] && [ -f dist/update-cart-status-x86_64.zip ]; then
	ok=1
	for f in "${fns[@]}"; do
		unzip -p "dist/$f-x86_64.zip" bootstrap >"$deployed/$f" 2>/dev/null && chmod +x "$deployed/$f" || ok=0
	done
	[ $ok = 0 ] || label="static, as deployed (dist/*-x86_64.zip)"
fi
if [ -z "$label" ] && [ -x build-static-x86_64/shims/process-cart-products ] &&
	[ -x build-static-x86_64/shims/update-cart-status ]; then
	cp build-static-x86_64/shims/process-cart-products build-static-x86_64/shims/update-cart-status "$deployed/" &&
		label="static (build-static-x86_64/shims)"
fi
c_args=()
if [ -n "$label" ]; then
	c_args=(--c "$label" "$deployed/process-cart-products" "$deployed/update-cart-status"
		--c "dynamic ($build/shims, meson release)" "$build/shims/process-cart-products" "$build/shims/update-cart-status")
else
	label="dynamic ($build/shims, meson release; no static build found)"
	c_args=(--c "$label" "$build/shims/process-cart-products" "$build/shims/update-cart-status")
fi
say "C bootstraps: $label"

say "bench_compare: cold start, memory, round trips (C and reference)"
"$bin/bench_compare" "${quick[@]}" --out-dir "$work" --callgrind "$(command -v valgrind)" --floor "$bin/protocol_floor" \
	"${c_args[@]}" >"$work/compare.md" 2> >(tee "$work/compare.log" >&2)

say "bench_faults"
"$bin/bench_faults" "$deployed/process-cart-products" >"$work/faults.md" 2>/dev/null ||
	"$bin/bench_faults" >"$work/faults.md"
say "bench_transform"
"$bin/bench_transform" >"$work/transform.md"
c_mbs=$(awk -F'|' '/stream -> messages, 100 records/ { gsub(/ /, "", $4); print $4 }' "$work/transform.md")

say "callgrind: instructions per input byte"
input=$work/stream-100.json
"$bin/bench_instr" --write "$input"
bytes=$(stat -c %s "$input")
# Instructions of N=11 runs minus N=1, over 10 x the input: start-up and input generation cancel out.
per_byte() {
	local a b
	a=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.1" "$@" 1 2>/dev/null >/dev/null &&
		awk '/^totals:/ { print $2 }' "$work/cg.1")
	b=$(valgrind --tool=callgrind --callgrind-out-file="$work/cg.11" "$@" 11 2>/dev/null >/dev/null &&
		awk '/^totals:/ { print $2 }' "$work/cg.11")
	rm -f "$work/cg.1" "$work/cg.11"
	awk -v a="$a" -v b="$b" -v n="$bytes" 'BEGIN { printf "%.1f", (b - a) / 10 / n }'
}
c_ipb=$(per_byte "$bin/bench_instr")

rust_mbs="" rust_ipb="" rust_note=""
if command -v cargo >/dev/null && ls -d /usr/share/cargo/registry/serde_json-* >/dev/null 2>&1; then
	say "Rust serde_json comparison: cargo build --offline --release"
	rm -rf "$build/rust-serde-src"
	mkdir -p "$build/rust-serde-src"
	cp -r tools/bench/rust-serde/. "$build/rust-serde-src/"
	if (cd "$build/rust-serde-src" && CARGO_TARGET_DIR="$root/$build/rust-serde" cargo build --offline --release -q) \
		>"$work/cargo.log" 2>&1; then
		rust=$build/rust-serde/release/bench-serde
		read -r rust_mbs _ < <("$rust" "$input" 2>/dev/null)
		rust_ipb=$(per_byte "$rust" "$input" --once)
		rust_note="$(cargo --version), $(rustc --version | cut -d' ' -f1-2); serde $(ls /usr/share/cargo/registry | sed -n 's/^serde-//p' | head -1), serde_json $(ls /usr/share/cargo/registry | sed -n 's/^serde_json-//p' | head -1) from Debian"
	else
		rust_note="did not build (see $work/cargo.log): $(tail -1 "$work/cargo.log")"
	fi
else
	rust_note="skipped: no cargo or no Debian serde crates (tools/install-deps.sh bench installs them)"
fi

say "reference JSON work (python3 reference/cpu.py)"
read -r py_mbs _ < <(/usr/bin/python3 tools/bench/reference/cpu.py "$input")

e2e_rows=""
if [ $e2e = 1 ]; then
	tp=() p50=() p99=()
	for i in $(seq 1 "$e2e_runs"); do
		say "end to end: tools/run-local.sh --orders $orders (run $i of $e2e_runs)"
		if tools/run-local.sh --orders "$orders" >"$work/e2e-$i.log" 2>&1; then
			tp+=("$(sed -n 's/.*elapsed .*(\([0-9.]*\) orders\/s).*/\1/p' "$work/e2e-$i.log")")
			p50+=("$(sed -n 's/.*write-to-ORDERED latency *p50 \([0-9.]*\) ms.*/\1/p' "$work/e2e-$i.log")")
			p99+=("$(sed -n 's/.*write-to-ORDERED latency.*p99 \([0-9.]*\) ms.*/\1/p' "$work/e2e-$i.log")")
			# The summary stays in e2e-N.log; drop the peers' and bootstraps' logs run-local.sh kept.
			logs=$(sed -n 's/^logs: //p' "$work/e2e-$i.log")
			case "$logs" in "${TMPDIR:-/tmp}"/cartflow-local.*) rm -rf "$logs" ;; esac
		else
			say "run-local.sh failed (see $work/e2e-$i.log)"
		fi
	done
	median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
	if [ ${#tp[@]} -gt 0 ]; then
		e2e_rows="| throughput | $(median "${tp[@]}") orders/s | ${tp[*]} |
| write-to-ORDERED p50 | $(median "${p50[@]}") ms | ${p50[*]} |
| write-to-ORDERED p99 | $(median "${p99[@]}") ms | ${p99[*]} |"
	fi
	e2e_done=${#tp[@]}
fi

say "plots"
gnuplot -e "datadir='$work'; outdir='docs'; delay='10'; cbuild='C, $label'" tools/bench/plot.gp

# ---- docs/perf-results.md ----
elapsed=$(($(date +%s) - t0))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
psi_end=$(psi)
met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "**met**" : "**missed**" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "–" }'; }
{
	echo "# Performance results (generated)"
	echo
	echo "Written by \`tools/bench/run-all.sh${quick:+ --quick}\` on $(date -u '+%Y-%m-%d %H:%M UTC') in $((elapsed / 60)) min $((elapsed % 60)) s;"
	echo "do not edit, run it again. Every C figure is next to the reference's, measured in the same run;"
	echo "each is a median over repeated runs (counts in each section)."
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores |"
	echo "| kernel | $(uname -sr) |"
	echo "| OS | Debian $(cat /etc/debian_version) |"
	echo "| load average at start / end | $load_start / $load_end (shared with other jobs) |"
	[ -z "$psi_start" ] || echo "| CPU pressure at start / end (time some task waited for a CPU, last 60 s) | $psi_start / $psi_end |"
	cat "$work/faults.md"
	echo "| C bootstraps | $label |"
	echo "| reference | Python $(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])'), boto3 $(/usr/bin/python3 -c 'import boto3, botocore; print(boto3.__version__ + ", botocore " + botocore.__version__)') (Debian), tools/bench/reference/ |"
	echo
	echo "## Targets"
	echo
	echo "| measurement | C | reference | ratio | target | verdict |"
	echo "|---|---:|---:|---:|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$work/compare.tsv"
	echo "| CPU: instructions per input byte, 100-record stream batch (callgrind) | $c_ipb | – | – | ≤ 60 | $(met "$c_ipb" 60) |"
	echo
	echo "\"exec floor\": spawn (posix_spawn)/exec/exit of \`/bin/true\` on this machine in the same run (median); a cold"
	echo "start cannot be shorter. \"protocol floor\": exec → first \`/response\` of tools/bench/protocol_floor.c"
	echo "in the same rounds, a static program that only does \`GET /next\` and posts a fixed answer (no TLS, no"
	echo "AWS call): the least any bootstrap can take on this machine."
	echo "Wall times move with the machine's load; CPU time, page faults and"
	echo "instruction counts much less (see each section)."
	echo
	echo "## Cold start, memory, round trips"
	echo
	echo "Harness: \`$bin/bench_compare\` (tools/bench/bench_compare.c): the integration tests' Runtime API"
	echo "server (test/integration/runtime_api_server.c) hands out the events; a fake AWS endpoint in the same"
	echo "program answers UpdateItem, SendMessageBatch and SendMessage (JSON and query protocol); for the"
	echo "round trips \`delay_proxy\` (tools/bench/delay_proxy.c) sits in front of it and holds every request"
	echo "10 ms. The reference's consumer is fed plain-JSON orders, the form it reads (tools/bench/reference/README.md)."
	echo
	cat "$work/compare.md"
	echo
	echo "![latency vs stream batch size](latency-stream.png)"
	echo
	echo "![latency vs SQS batch size](latency-sqs.png)"
	echo
	echo "## CPU per record"
	echo
	echo "The stream transform on the same generated 100-record batch of 3-item orders ($bytes bytes):"
	echo "parse the event, apply the forward rule, write each NewImage as a message body."
	echo
	echo "| implementation | MB/s (median of 11) | vs C | instructions per input byte (callgrind) |"
	echo "|---|---:|---:|---:|"
	echo "| C, libcartflow (bench_transform) | $c_mbs | 1× | $c_ipb |"
	if [ -n "$rust_mbs" ]; then
		echo "| Rust, serde_json into \`HashMap<String, AttributeValue>\` (tools/bench/rust-serde) | $rust_mbs | $(ratio "$c_mbs" "$rust_mbs") slower | $rust_ipb |"
	fi
	echo "| Python reference's JSON work (\`json.loads\` + \`json.dumps\` per item, reference/cpu.py) | $py_mbs | $(ratio "$c_mbs" "$py_mbs") slower | – |"
	echo
	echo "Rust: $rust_note. The Python line is only the JSON work: the reference also spends CPU in botocore"
	echo "for every call (serialising, signing), which the memory table's invocation times include."
	echo
	echo "bench_transform, all workloads (json-c = parse and re-serialise with json-c's DOM, same bytes):"
	echo
	grep '^|' "$work/transform.md"
	echo
	echo "## End to end"
	echo
	if [ $e2e = 1 ] && [ -n "$e2e_rows" ]; then
		echo "\`tools/run-local.sh --orders $orders\`: DynamoDB Local with Streams, fauxqs and the SigV4-verifying"
		echo "proxy on 127.0.0.1, cartflow-local driving the two real bootstraps (build-local: dynamic, release), every"
		echo "cart line checked. Median of $e2e_done run(s); each run's values in the last column. No reference"
		echo "run: the original consumer cannot read what the original producer sends."
		echo
		echo "| measure | median | runs |"
		echo "|---|---:|---|"
		echo "$e2e_rows"
	else
		echo "Not run (--no-e2e, or run-local.sh failed: see $work/e2e-*.log)."
	fi
} >docs/perf-results.md
say "wrote docs/perf-results.md, docs/latency-stream.png, docs/latency-sqs.png in ${elapsed}s"
sed -n '/^## Targets/,/^## Cold start/p' docs/perf-results.md | sed '$d'
