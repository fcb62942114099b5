#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET...]: build the libFuzzer targets (clang, build-fuzz/), replay
# fuzz/regressions/<target>/*, then fuzz each target for SECONDS (default 20) on a scratch copy of
# its seeds (fuzz/seeds/<target>/ plus fixtures from test/data/), so the repository is not modified.
# Installs clang and libFuzzer (tools/install-deps.sh fuzz) when they are missing.
# Prints one line per target and ends with "fuzz: N passed, N failed"; exits 1 if any target failed.
# A target fails when a regression input or a new input crashes it, or it does not build.
#   FUZZ_BUILD_DIR  build directory (default: build-fuzz at the top of the tree)
#   FUZZ_WORK       where corpora, logs and crash inputs go (default: a new directory under /tmp, kept
#                   when something fails and printed; set it to keep the corpora of a long run)
#   FUZZ_JOBS       targets fuzzed at the same time (default 1)
#   FUZZ_ARGS       extra libFuzzer flags, e.g. "-max_len=4096"
# SECONDS 0 only builds and replays the regressions and seeds. See docs/reliability.md.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-20}
[ $# -gt 0 ] && shift
all=(attr stream sqs json aws runtime sigv4 batch http1_parse)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-1}
if [ -n "${FUZZ_WORK:-}" ]; then work=$FUZZ_WORK; mkdir -p "$work"; else work=$(mktemp -d /tmp/cartflow-fuzz.XXXXXX); fi

summary() { # passed failed
	echo "fuzz: $1 passed, $2 failed"
}

have_libfuzzer() {
	command -v clang >/dev/null &&
		printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' |
		clang -x c -fsanitize=fuzzer,address,undefined -o "$work/probe" - >/dev/null 2>&1
}
if ! have_libfuzzer && ! { tools/install-deps.sh fuzz >"$work/install.log" 2>&1 && have_libfuzzer; }; then
	cat "$work/install.log"
	echo "fuzz: clang with libFuzzer is missing (tools/install-deps.sh fuzz)"
	summary 0 ${#targets[@]}
	exit 1
fi
if [ ! -f "$build/build.ninja" ]; then
	if ! CC=clang meson setup "$build" -Dfuzz=true -Dtests=disabled -Dexamples=disabled >"$work/setup.log" 2>&1; then
		tail -30 "$work/setup.log"
		summary 0 ${#targets[@]}
		exit 1
	fi
fi
if ! meson compile -C "$build" "${targets[@]/#/fuzz_}" >"$work/compile.log" 2>&1; then
	tail -40 "$work/compile.log"
	summary 0 ${#targets[@]}
	exit 1
fi

# Fixtures that make good seeds, per target (the target's own fuzz/seeds/<target>/ always comes first).
fixtures() {
	case $1 in
	attr) ls test/data/orders/*.item.json ;;
	stream) ls test/data/events/*.json test/data/orders/stream_insert_ordered.json ;;
	sqs) ls test/data/events/*.json test/data/orders/*.json ;;
	json) ls test/data/events/*.json test/data/orders/*.json test/data/update_item/*.json ;;
	esac
}
dict() {
	case $1 in
	attr | stream | sqs | json | batch) echo fuzz/dict/json.dict ;;
	aws | runtime | http1_parse) echo fuzz/dict/http.dict ;;
	sigv4) echo fuzz/dict/sigv4.dict ;;
	esac
}

# run_target NAME: replay, then fuzz; writes $work/NAME.result ("ok|fail<TAB>text").
run_target() {
	local t=$1 bin=$build/fuzz/fuzz_$t corpus=$work/corpus/$t out=$work/artifacts/$t
	mkdir -p "$corpus" "$out"
	cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null
	for f in $(fixtures "$t"); do cp -n "$f" "$corpus/fixture-$(basename "$f")"; done
	local regressions=(fuzz/regressions/"$t"/*)
	[ -e "${regressions[0]}" ] || regressions=()
	if [ ${#regressions[@]} -gt 0 ] && ! "$bin" -runs=1 "${regressions[@]}" >"$work/$t.replay.log" 2>&1; then
		printf 'fail\tregression replay crashed, see %s\n' "$work/$t.replay.log" >"$work/$t.result"
		return
	fi
	local budget=-max_total_time="$secs"
	[ "$secs" -gt 0 ] || budget=-runs=0
	# shellcheck disable=SC2086
	"$bin" "$budget" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -dict="$(dict "$t")" \
		-artifact_prefix="$out/" ${FUZZ_ARGS:-} "$corpus" >"$work/$t.log" 2>&1
	local rc=$? execs rate
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log" | tail -1)
	local what="${#regressions[@]} regressions replayed, ${execs:-0} execs, ${rate:-0}/s, corpus $(ls "$corpus" | wc -l)"
	if [ $rc -ne 0 ] || ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* >/dev/null 2>&1; then
		printf 'fail\t%s; crash in %s, log %s\n' "$what" "$out" "$work/$t.log" >"$work/$t.result"
	else
		printf 'ok\t%s\n' "$what" >"$work/$t.result"
	fi
}

# failure_cause NAME: the lines of a failed target's logs that say why (check message, sanitizer
# report, libFuzzer verdict), indented, so that CI output names the cause.
failure_cause() {
	cat "$work/$1.replay.log" "$work/$1.log" 2>/dev/null |
		grep -E 'check failed|ERROR: |SUMMARY: |runtime error|Test unit written|^==[0-9]+== *(READ|WRITE)' |
		head -8 | sed 's/^/    /'
}

running=0
for t in "${targets[@]}"; do
	run_target "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

passed=0
failed=0
for t in "${targets[@]}"; do
	IFS=$'\t' read -r verdict text <"$work/$t.result" || { verdict=fail; text="no result"; }
	if [ "$verdict" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	printf 'fuzz_%-8s %-4s %s\n' "$t" "$verdict" "$text"
	[ "$verdict" = ok ] || failure_cause "$t"
done
if [ $failed -eq 0 ] && [ -z "${FUZZ_WORK:-}" ]; then rm -rf "$work"; else echo "fuzz: work directory $work"; fi
summary $passed $failed
[ $failed -eq 0 ]
