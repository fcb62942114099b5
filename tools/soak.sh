#!/usr/bin/env bash
# The bad-day run (docs/reliability.md): the whole pipeline with faults injected between the
# bootstraps and the local AWS peers, bootstraps killed with SIGKILL mid-invocation, and orders whose
# cart line is missing (they must end in the DLQ). Passes only if nothing was lost and nothing leaked:
#   1. cartflow-local's verdict: every order updated (every cart line ORDERED) or dead-lettered with a
#      logged reason, the DLQ fully inspected, every SIGKILL asked for done, no crash (its exit code);
#   2. the dead-lettered orders are exactly the ones seeded with a missing cart line;
#   3. the fault proxy injected faults of every kind, at about the rate asked for;
#   4. no log line holds the secret key, the session token, a signature or a receipt handle (both
#      proxies list the values they saw); 5. no peer process is left.
#
#   tools/soak.sh [--orders N] [--rate R] [--kill N] [--missing-lines N] [--seed N] [--timeout S]
#                 [--bin-dir DIR --cartflow-local FILE] [--keep]
#
# Defaults: 500 orders, 20 % faults, 2 kills, 5 orders with a missing cart line, a timeout of 900 s or
# 0.2 s per order, whichever is longer (under 20 % faults the pipeline does 10-11 orders/s on the
# 2-core machine: 10,000 orders took 927 and 991 s, past 900 s). Without --bin-dir it
# installs what is missing and builds build-local/ as tools/run-local.sh does. Logs stay in the
# directory it names when a check fails (or with --keep). Ends with "soak: N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
orders=500 rate=0.2 kills=2 missing=5 seed=1 timeout_s= bin_dir= cfl= keep=false
usage() { sed -n '12,13p' "$0" | sed 's/^# *//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--keep) ;;
	--*) [ $# -ge 2 ] || usage ;;
	esac
	case $1 in
	--orders) orders=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--kill) kills=$2; shift 2 ;;
	--missing-lines) missing=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--bin-dir) bin_dir=$(realpath "$2"); shift 2 ;;
	--cartflow-local) cfl=$(realpath "$2"); shift 2 ;;
	--keep) keep=true; shift ;;
	*) usage ;;
	esac
done
[[ "$orders" =~ ^[1-9][0-9]*$ && "$kills" =~ ^[0-9]+$ && "$missing" =~ ^[0-9]+$ && "$seed" =~ ^[0-9]+$ ]] || usage
[ -n "$timeout_s" ] || timeout_s=$((orders / 5 > 900 ? orders / 5 : 900))
[[ "$timeout_s" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$rate" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || usage
cd "$root"
if [ -n "$bin_dir" ] && [ ! -d node_modules ] && ! npm --version >/dev/null 2>&1; then
	echo "SKIP: node_modules is missing and npm cannot be run: the local peers cannot be installed"
	exit 77
fi
[ -n "$bin_dir" ] || tools/install-deps.sh || { echo "soak: could not install dependencies"; exit 1; }
tools/peers/peers.sh install || { echo "soak: could not install the local peers"; exit 1; } # stamp-guarded
if [ -z "$bin_dir" ]; then
	build=build-local
	[ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release -Dtests=disabled >/dev/null
	meson compile -C "$build" >/dev/null || { echo "soak: build failed"; exit 1; }
	bin_dir=$root/$build/shims cfl=$root/$build/tools/local/cartflow-local
fi
[ -x "$cfl" ] && [ -x "$bin_dir/update-cart-status" ] || { echo "soak: cartflow-local or the bootstraps are missing"; exit 2; }

# shellcheck source=tools/peers/lib.sh
. "$root/tools/peers/lib.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/cartflow-soak.XXXXXX")
mkdir -p "$dir/logs"
fault_pid=
stopped=false
stop_fault_proxy() {
	[ -z "$fault_pid" ] || { kill -TERM "$fault_pid" 2>/dev/null; wait "$fault_pid" 2>/dev/null; }
	fault_pid=
}
cleanup() {
	stop_fault_proxy
	$stopped || tools/peers/peers.sh stop "$dir" >/dev/null 2>&1
	stopped=true
}
trap cleanup EXIT
trap 'echo "soak: interrupted; logs in $dir"; exit 130' INT
trap 'echo "soak: terminated; logs in $dir"; exit 143' TERM

echo "soak: $orders orders, ${rate} faults, $kills SIGKILLs, $missing orders with a missing cart line (seed $seed); logs in $dir"
export PEERS_TIMEOUT_S=${PEERS_TIMEOUT_S:-90}
if ! tools/peers/peers.sh start "$dir" >"$dir/peers-start.log" 2>&1; then
	cat "$dir/peers-start.log"
	bad "peers start"
	echo "soak: $passed passed, $failed failed"
	exit 1
fi
set -a
# shellcheck disable=SC1091
. "$dir/peers.env"
set +a
# Lambda always hands out a session token: sign with one, so that the logs can be searched for it.
export AWS_SESSION_TOKEN="soak-session-token-$$-$RANDOM$RANDOM$RANDOM"
export AWS_LAMBDA_LOG_FORMAT=JSON

node tools/peers/fault-proxy.mjs --upstream "$AWS_ENDPOINT_URL" --rate "$rate" --seed "$seed" \
	--stats "$dir/faults.json" --secrets-out "$dir/fault-secrets.txt" >"$dir/fault-proxy.log" 2>&1 &
fault_pid=$!
fault_port=$(listening_port "$dir/fault-proxy.log" fault-proxy "$fault_pid")
check "fault proxy listening ($(head -1 "$dir/fault-proxy.log"))" [ -n "$fault_port" ] || { echo "soak: $passed passed, $failed failed"; exit 1; }

t0=$(date +%s%3N)
"$cfl" --orders "$orders" --kill "$kills" --missing-lines "$missing" --seed "$seed" --timeout "$timeout_s" \
	--sqs-concurrency 4 --function-timeout 5 --visibility-timeout 6 --function-endpoint "http://127.0.0.1:$fault_port" --bin-dir "$bin_dir" \
	--log-dir "$dir/logs" >"$dir/cartflow-local.out" 2>"$dir/cartflow-local.err"
rc=$?
ms=$(($(date +%s%3N) - t0))
stop_fault_proxy
sed -n '/^cartflow-local summary/,$p' "$dir/cartflow-local.out"
echo "  run time                  $((ms / 1000)).$((ms % 1000 / 100)) s"
# cartflow-local's own verdict covers the accounting, the SIGKILLs asked for and crashes (docs/reliability.md).
check "cartflow-local: every order updated or dead-lettered with a logged reason, $kills SIGKILLs, no crash (exit $rc)" \
	[ "$rc" = 0 ] || { tail -n 20 "$dir/cartflow-local.err"; }
# 2. cartflow-local already fails when a seeded order is not dead-lettered; no other order may be.
check "no order dead-lettered but the $missing seeded with a missing cart line" \
	grep -qE "^ +orders dead-lettered +$missing " "$dir/cartflow-local.out"

# 3. what the fault proxy did
faults_ok() {
	[ -f "$dir/faults.json" ] || { echo "     no $dir/faults.json"; return 1; }
	js "$dir/faults.json" '`  faults injected           ${j.faults} of ${j.requests} requests (${(100 * j.faults / Math.max(1, j.requests)).toFixed(1)} %): ` +
		Object.entries(j.byKind).map(([k, v]) => `${k} ${v}`).join(", ")'
	echo
	# every kind but `partial` (SendMessageBatch only: a few per 500 orders) must have happened; the
	# overall rate within a third of the rate asked for
	[ "$(js "$dir/faults.json" "const r = j.faults / Math.max(1, j.requests);
		['500','503','throttle','reset','timeout','slow'].every(k => j.byKind[k] > 0) &&
		r > $rate * 2 / 3 && r < $rate * 4 / 3")" = true ]
}
if awk "BEGIN { exit !($rate > 0 && $orders >= 200) }"; then
	check "faults of every kind injected at about ${rate}" faults_ok
else
	faults_ok || true
fi

# 4. nothing secret in any log
no_secrets() {
	local f files=("$dir"/logs/*.log "$dir/cartflow-local.out" "$dir/cartflow-local.err" "$dir/fault-proxy.log")
	{ cat "$PROXY_SECRETS_FILE" "$dir/fault-secrets.txt"; printf '%s\n' "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"; } |
		grep -vx '' | sort -u >"$dir/secrets.txt"
	echo "     $(wc -l <"$dir/secrets.txt") values (signatures, receipt handles, session token, secret key) over $(cat "${files[@]}" | wc -l) log lines"
	# the proxy must have seen both kinds: signatures (64 hex digits) and receipt handles (the others)
	local signatures handles
	signatures=$(grep -cx '[0-9a-f]\{64\}' "$PROXY_SECRETS_FILE")
	handles=$(sort -u "$PROXY_SECRETS_FILE" | grep -vx '[0-9a-f]\{64\}' | grep -cvxF "$AWS_SESSION_TOKEN")
	echo "     the proxy saw $signatures signatures and $handles receipt handles"
	[ "$signatures" -gt 0 ] && [ "$handles" -gt 0 ] ||
		{ echo "     the proxy noted no signature or no receipt handle"; return 1; }
	for f in "${files[@]}"; do
		# any signature or token header at all, then each known value
		if grep -qiE 'Signature=[0-9a-f]{16}|X-Amz-Security-Token:|Authorization:' "$f"; then
			echo "     a signature or an Authorization/X-Amz-Security-Token header in $f"
			return 1
		fi
		if grep -qF -f "$dir/secrets.txt" "$f"; then
			echo "     found in $f: $(grep -oF -f "$dir/secrets.txt" "$f" | head -1 | cut -c1-12)..."
			return 1
		fi
	done
}
check "no secret key, session token, signature or receipt handle in any log" no_secrets

# The peers are stopped here, before their directory may go (peers.sh stop needs its pid files).
cleanup
check "peers stopped: no process left behind" process_groups_gone "$DYNAMODB_LOCAL_PID" "$FAUXQS_PID" "$PROXY_PID"

echo "soak: $passed passed, $failed failed"
if [ "$failed" = 0 ] && ! $keep; then rm -rf "$dir"; else echo "soak: logs kept in $dir"; fi
[ "$failed" = 0 ]
