#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test three ways:
#   1. the whole suite (unit, install) in a normal build;
#   2. the unit suite built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the unit suite under valgrind memcheck (no leaks, no errors).
# Ends with the line "N passed, N failed, N skipped" over all three.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools/install-deps.sh || { echo "could not install dependencies"; echo "0 passed, 1 failed"; exit 1; }

status=0
summaries=()
rm -f build-test/meson-logs/testlog.*.json build-asan/meson-logs/testlog.*.json
# run_suite NAME BUILD_DIR "SETUP OPTIONS" "TEST OPTIONS"
run_suite() {
	local name=$1 dir=$2 setup=$3 test_opts=$4
	echo "=== $name"
	if [ ! -f "$dir/build.ninja" ]; then
		# shellcheck disable=SC2086
		meson setup "$dir" $setup >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; status=1; summaries+=("$name: setup failed"); return; }
	fi
	meson compile -C "$dir" >"$dir.compile.log" 2>&1 || { tail -40 "$dir.compile.log"; status=1; summaries+=("$name: build failed"); return; }
	# shellcheck disable=SC2086
	meson test -C "$dir" --print-errorlogs $test_opts || status=1
	summaries+=("$name: $(python3 tools/count-tests.py "$dir/meson-logs/testlog.json" "$name")")
}

run_suite "tests" build-test "" ""
run_suite "asan+ubsan" build-asan "-Db_sanitize=address,undefined -Db_lundef=false -Dexamples=disabled" \
	"--suite unit"
CK_FORK=no run_suite "valgrind" build-test "" \
	"--suite unit --wrapper 'valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all' --timeout-multiplier 10"

echo
printf '%s\n' "${summaries[@]}"
python3 tools/count-tests.py --total build-test/meson-logs/testlog.json build-asan/meson-logs/testlog.json
exit $status
