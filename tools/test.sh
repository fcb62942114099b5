#!/usr/bin/env bash
# The test command: installs what is missing (Debian packages, npm ci), builds, and runs every test:
#   1. the whole suite (unit, integration, install, template, package: make dist) in a normal build;
#   2. the unit suite built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the unit suite under valgrind memcheck (no leaks, no errors; CK_FORK=no);
#   4. every libFuzzer target for 20 s on its corpus, after replaying fuzz/regressions (fuzz/run.sh).
# Ends with the line "N passed, N failed, N skipped" over all four.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! tools/install-deps.sh package || ! tools/peers/peers.sh install; then
	echo "could not install dependencies"
	echo "0 passed, 1 failed"
	exit 1
fi

status=0
summaries=()
logs=()

# run_pass NAME BUILD_DIR SETUP_ARGS... -- TEST_ARGS...
run_pass() {
	local name=$1 dir=$2
	shift 2
	local setup=() tests=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do setup+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	tests=("$@")
	echo "=== $name"
	local saved="$dir/results-${name//[^a-z]/_}.json"
	logs+=("$saved")
	rm -f "$saved" "$dir"/meson-logs/testlog*.json
	if [ ! -f "$dir/build.ninja" ] && ! meson setup "$dir" "${setup[@]}" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log"
		status=1
		summaries+=("$name: setup failed")
		return
	fi
	if ! meson compile -C "$dir" >"$dir.compile.log" 2>&1; then
		tail -40 "$dir.compile.log"
		status=1
		summaries+=("$name: build failed")
		return
	fi
	meson test -C "$dir" --print-errorlogs "${tests[@]}" || status=1
	# meson names the log testlog-<wrapper>.json when a wrapper is used
	local log
	log=$(ls -t "$dir"/meson-logs/testlog*.json 2>/dev/null | head -n 1)
	if [ -n "$log" ]; then
		cp "$log" "$saved"
		summaries+=("$name: $(python3 tools/count-tests.py "$saved")")
	else
		status=1
		summaries+=("$name: meson test did not run")
	fi
}

run_pass tests build-test --
run_pass asan-ubsan build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dexamples=disabled -- --suite unit
CK_FORK=no run_pass valgrind build-test -- --suite unit --timeout-multiplier 10 \
	--wrapper 'valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all'

echo "=== fuzz"
fuzz/run.sh "${FUZZ_SECONDS:-20}" 2>&1 | tee build-fuzz.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fuzz_line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' build-fuzz.log | tail -n 1)
summaries+=("$fuzz_line")

echo
printf '%s\n' "${summaries[@]}"
python3 tools/count-tests.py --plain "$fuzz_line" "${logs[@]}"
exit $status
