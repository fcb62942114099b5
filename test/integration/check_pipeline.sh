#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # `check WHAT eval '...'` expands when it runs; helpers are called through check
# The whole pipeline on one machine (issue 4): the two real bootstraps against the local peers
# (DynamoDB Local, fauxqs, the SigV4-verifying proxy; docs/local-peers.md), started once for all checks:
#   1. process-cart-products --event (real signed HTTP) turns a stream record into one SQS message
#      whose body is the NewImage, byte for byte;
#   2. update-cart-status --event marks the order's cart lines ORDERED; a message whose cart line does
#      not exist is reported (ConditionalCheckFailedException), the other message of its batch is not;
#   3. with a wrong secret key the proxy refuses every call, every record is reported failed, nothing
#      is written, and the logs hold no secret key, session token or receipt handle;
#   4. cartflow-local runs 50 orders through both bootstraps as Lambda would (if it was built).
#
#   check_pipeline.sh PROCESS_CART_PRODUCTS UPDATE_CART_STATUS [CARTFLOW_LOCAL]
#
# Ends with "pipeline: N passed, N failed"; exit 0 only if none failed, 77 (skip) only if node_modules
# is missing and npm cannot run. When a check fails, the scratch files and peer logs are kept.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 PROCESS_CART_PRODUCTS UPDATE_CART_STATUS [CARTFLOW_LOCAL]" >&2; exit 2; }
pcp=$(realpath "$1") ucs=$(realpath "$2") cfl=${3:+$(realpath "$3")}
root=$(cd "$(dirname "$0")/../.." && pwd)
peers="$root/tools/peers"
data="$root/test/data/orders"
make_json() { node "$root/test/integration/pipeline/make.mjs" "$@"; }

if [ ! -d "$root/node_modules" ] && ! npm --version >/dev/null 2>&1; then
	echo "SKIP: node_modules is missing and npm cannot be run: the local peers cannot be installed"
	exit 77
fi

# DynamoDB Local takes 3-4 s to answer on an idle 2-core machine, 15 s and more under load.
export PEERS_TIMEOUT_S=${PEERS_TIMEOUT_S:-90}
dir=$(mktemp -d "${TMPDIR:-/tmp}/cartflow-pipeline.XXXXXX")
work="$dir/work"
mkdir -p "$work"
# ok, bad, check, js, call, status_is, is_true, table, sqs_event
# shellcheck source=tools/peers/lib.sh
. "$peers/lib.sh"

stopped=false
stop_peers() {
	$stopped || "$peers/peers.sh" stop "$dir"
	stopped=true
}
# in_background CMD...: runs CMD and waits for it. A signal interrupts `wait` at once, so a TERM (meson's
# timeout, which SIGKILLs 0.5 s later) stops the peers and CMD even when CMD is slow to end or is in
# another process group (timeout(1) makes its own).
job=
in_background() {
	local rc
	"$@" &
	job=$!
	wait "$job"
	rc=$?
	job=
	return "$rc"
}
on_signal() {
	echo "interrupted; scratch files and peer logs kept in $dir"
	[ -z "$job" ] || kill -TERM "$job" 2>/dev/null
	stop_peers >/dev/null 2>&1
	exit "$1"
}
trap 'stop_peers >/dev/null 2>&1' EXIT
trap 'on_signal 143' TERM
trap 'on_signal 130' INT

finish() {
	echo "pipeline: $passed passed, $failed failed"
	if [ "$failed" = 0 ]; then
		rm -rf "$dir"
		exit 0
	fi
	echo "scratch files and peer logs kept in $dir"
	exit 1
}
# show FILE...: the files (relative to $work unless absolute), indented, last 40 lines each.
show() {
	local f
	for f in "$@"; do
		[ "${f#/}" = "$f" ] && f="$work/$f"
		echo "     --- $f"
		tail -n 40 "$f" 2>&1 | awk '{ print "     | " $0 }'
	done
}
# run NAME BOOTSTRAP EVENT [VAR=VALUE...]: one local invocation with real HTTP; output in $work/NAME.{out,err,rc}.
run() {
	local name=$1 bin=$2 event=$3
	shift 3
	in_background env "$@" timeout -k 5 60 "$bin" --event "$event" >"$work/$name.out" 2>"$work/$name.err"
	echo $? >"$work/$name.rc"
}
show_run() { echo "     exit code $(cat "$work/$1.rc")"; show "$1.out" "$1.err"; }
# responded NAME RESPONSE: the run exited 0 and its last stdout line is RESPONSE.
responded() { [ "$(cat "$work/$1.rc")" = 0 ] && [ "$(tail -n 1 "$work/$1.out")" = "$2" ]; }
# failures ID...: the batch response reporting those ids, in that order.
failures() {
	local s="" id
	for id in "$@"; do s+="${s:+,}{\"itemIdentifier\":\"$id\"}"; done
	echo "{\"batchItemFailures\":[$s]}"
}
# keys USER/PRODUCT...: the keys of those cart lines, as a JSON array.
keys() {
	local s="" k
	for k in "$@"; do s+="${s:+,}{\"PK\":{\"S\":\"USER#${k%%/*}\"},\"SK\":{\"S\":\"PRODUCT#${k#*/}\"}}"; done
	echo "[$s]"
}
# seed_lines TABLE STATUS USER/PRODUCT...: writes those cart lines with cartProductStatus STATUS.
seed_lines() {
	local table=$1 status=$2 s="" k
	shift 2
	for k in "$@"; do
		s+="${s:+,}{\"PutRequest\":{\"Item\":{\"PK\":{\"S\":\"USER#${k%%/*}\"},\"SK\":{\"S\":\"PRODUCT#${k#*/}\"},
			\"cartProductStatus\":{\"S\":\"$status\"}}}}"
	done
	call seed DynamoDB_20120810.BatchWriteItem "{\"RequestItems\":{\"$table\":[$s]}}"
	if ! status_is seed 200 || ! grep -q '"UnprocessedItems":{}' "$work/seed.json"; then show seed.json; return 1; fi
}
# lines_are TABLE USER/PRODUCT=STATUS...: a consistent BatchGetItem finds each line with that
# cartProductStatus (STATUS "absent": no such line); prints the lines that differ.
lines_are() {
	local table=$1 k list=()
	shift
	for k in "$@"; do list+=("${k%%=*}"); done
	call lines DynamoDB_20120810.BatchGetItem \
		"{\"RequestItems\":{\"$table\":{\"ConsistentRead\":true,\"Keys\":$(keys "${list[@]}")}}}"
	status_is lines 200 || { show lines.json; return 1; }
	{ js "$work/lines.json" "$(keys "${list[@]}").map(k => {
		const i = (j.Responses['$table'] ?? []).find(i => i.PK.S === k.PK.S && i.SK.S === k.SK.S);
		return k.PK.S.slice(5) + '/' + k.SK.S.slice(8) + '=' + (i ? i.cartProductStatus?.S : 'absent'); }).join('\\n')"; echo; } >"$work/lines.got"
	printf '%s\n' "$@" | diff "$work/lines.got" - >"$work/lines.diff" || { sed 's/^/     /' "$work/lines.diff"; return 1; }
}
# receive NAME QUEUE_URL COUNT: ReceiveMessage until COUNT messages came (5 calls at most); all of
# them in $work/NAME.json as {"Messages":[...]}.
receive() {
	local name=$1 url=$2 want=$3 i
	echo '{"Messages":[]}' >"$work/$name.json"
	for i in 1 2 3 4 5; do
		call "${name}_$i" AmazonSQS.ReceiveMessage \
			"{\"QueueUrl\":\"$url\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1,\"VisibilityTimeout\":600}"
		status_is "${name}_$i" 200 || { show "${name}_$i.json"; return 1; }
		js "$work/$name.json" "({Messages: [...j.Messages,
			...(JSON.parse(require('fs').readFileSync('$work/${name}_$i.json', 'utf8')).Messages ?? [])]})" \
			>"$work/$name.tmp" && mv "$work/$name.tmp" "$work/$name.json"
		[ "$(js "$work/$name.json" j.Messages.length)" -ge "$want" ] && return 0
	done
	return 1
}
# free_of LABEL=VALUE... -- FILE...: no VALUE occurs in any FILE; names what does.
free_of() {
	local pairs=() p f rc=0
	while [ "$1" != -- ]; do pairs+=("$1"); shift; done
	shift
	for f in "$@"; do
		[ -f "$f" ] || { echo "     missing: $f"; rc=1; continue; }
		for p in "${pairs[@]}"; do
			[ -n "${p#*=}" ] && grep -qF -- "${p#*=}" "$f" && { echo "     ${p%%=*} found in $f"; rc=1; }
		done
	done
	return "$rc"
}
# section [TITLE]: prints how long the previous section took, then the title.
section_t0=$(date +%s%3N)
section() {
	local now
	now=$(date +%s%3N)
	[ "$passed$failed" = 00 ] || echo "     ($((now - section_t0)) ms)"
	section_t0=$now
	[ -z "${1:-}" ] || echo "=== $1"
}
# proxy_since LINE: the proxy's log lines after line LINE.
proxy_since() { tail -n "+$(($1 + 1))" "$dir/proxy.log"; }

section "start the peers (logs in $dir)"
"$peers/peers.sh" install >"$work/install.log" 2>&1 || { bad "peers.sh install"; show install.log; finish; }
if ! in_background "$peers/peers.sh" start "$dir" >"$work/start.log" 2>&1; then
	bad "peers start"
	show start.log "$dir"/*.log
	finish
fi
ok "peers start ($(tail -n 1 "$work/start.log"))"
set -a
# shellcheck disable=SC1091
. "$dir/peers.env"
set +a
peer_pids=("$DYNAMODB_LOCAL_PID" "$FAUXQS_PID" "$PROXY_PID")
peer_ports=("$DYNAMODB_LOCAL_PORT" "$FAUXQS_PORT" "$PROXY_PORT")
# Lambda always hands out a session token: sign with one, so that the logs can be searched for it.
export AWS_SESSION_TOKEN="pipeline-session-token-$$-$RANDOM$RANDOM"
good_secret=$AWS_SECRET_ACCESS_KEY
wrong_secret="wrong/secret+key/pipeline-$RANDOM$RANDOM"
none='{"batchItemFailures":[]}'

section "1. process-cart-products --event: the stream record becomes one SQS message, body = the NewImage"
call q_updates AmazonSQS.CreateQueue '{"QueueName":"pipeline-cart-updates"}'
check "CreateQueue pipeline-cart-updates -> 200" status_is q_updates 200 || show q_updates.json
queue=$(js "$work/q_updates.json" 'j.QueueUrl ?? ""')
run pcp_ok "$pcp" "$data/stream_insert_ordered.json" UPDATE_CART_PRODUCT_SQS="$queue"
check "stream_insert_ordered.json: exit 0, last stdout line $none" responded pcp_ok "$none" || show_run pcp_ok
call recv1 AmazonSQS.ReceiveMessage \
	"{\"QueueUrl\":\"$queue\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1,\"VisibilityTimeout\":600}"
check "ReceiveMessage (up to 10) returns exactly one message" is_true recv1 '(j.Messages ?? []).length === 1' ||
	show recv1.json
js "$work/recv1.json" 'j.Messages?.[0]?.Body ?? ""' >"$work/body1.got"
# The fixture ends with a newline, as text files do; the body is the JSON text without it.
printf '%s' "$(cat "$data/stream_insert_ordered.body.json")" >"$work/body1.want"
check "its Body = test/data/orders/stream_insert_ordered.body.json, byte for byte" cmp "$work/body1.want" "$work/body1.got" ||
	show body1.want body1.got
check "its MD5OfBody is the MD5 of that body" \
	[ "$(js "$work/recv1.json" 'j.Messages?.[0]?.MD5OfBody ?? ""')" = "$(md5sum <"$work/body1.want" | cut -d' ' -f1)" ]

section "2. update-cart-status --event: the message marks the order's two cart lines ORDERED"
call t_cart DynamoDB_20120810.CreateTable "$(table pipeline-cart)"
check "CreateTable pipeline-cart (PK/SK) -> 200" status_is t_cart 200 || show t_cart.json
check "seed USER#u-42 / PRODUCT#p-1 and PRODUCT#p-2, cartProductStatus PENDING" \
	seed_lines pipeline-cart PENDING u-42/p-1 u-42/p-2
sqs_event "$work/recv1.json" pipeline-cart-updates >"$work/sqs1.json"
run ucs_ok "$ucs" "$work/sqs1.json" TABLE_NAME=pipeline-cart
check "SQS event with that message: exit 0, last stdout line $none" responded ucs_ok "$none" || show_run ucs_ok
check "read back (consistent): USER#u-42 / PRODUCT#p-1 and PRODUCT#p-2 are ORDERED" \
	lines_are pipeline-cart u-42/p-1=ORDERED u-42/p-2=ORDERED

section "2b. a message whose cart line does not exist fails alone"
check "seed USER#u-7 / PRODUCT#p-9 PENDING (no line for u-404 / p-missing)" seed_lines pipeline-cart PENDING u-7/p-9
make_json send-batch "$data/stream_insert_ordered.body.json" "$queue" o-2002:u-7:p-9 o-3003:u-404:p-missing \
	>"$work/send2.req.json"
call send2 AmazonSQS.SendMessageBatch "@$work/send2.req.json"
check "SendMessageBatch: order o-2002 (line u-7/p-9) and order o-3003 (line u-404/p-missing) -> 2 sent" \
	is_true send2 'j.Successful?.length === 2' || show send2.json
check "ReceiveMessage gets both" receive recv2 "$queue" 2 || show recv2.json
sqs_event "$work/recv2.json" pipeline-cart-updates >"$work/sqs2.json"
missing_id=$(js "$work/recv2.json" 'j.Messages.find(m => m.Body.includes("o-3003"))?.MessageId ?? "none"')
run ucs_missing "$ucs" "$work/sqs2.json" TABLE_NAME=pipeline-cart
check "exit 0, batchItemFailures = [o-3003's messageId $missing_id] only" \
	responded ucs_missing "$(failures "$missing_id")" || show_run ucs_missing
check "stderr: messageId=$missing_id failed with ConditionalCheckFailedException" \
	grep -q "messageId=$missing_id .*ConditionalCheckFailedException" "$work/ucs_missing.err" || show ucs_missing.err
check "read back: USER#u-7 / PRODUCT#p-9 (the other message) is ORDERED, u-404 / p-missing was not created" \
	lines_are pipeline-cart u-7/p-9=ORDERED u-404/p-missing=absent

section "3. a wrong secret key: every record reported failed, nothing written, nothing leaked"
call q_bad AmazonSQS.CreateQueue '{"QueueName":"pipeline-wrong-secret"}'
check "CreateQueue pipeline-wrong-secret -> 200" status_is q_bad 200 || show q_bad.json
bad_queue=$(js "$work/q_bad.json" 'j.QueueUrl ?? ""')
make_json stream3 "$data/stream_insert_ordered.json" >"$work/stream3.json"
read -ra seqs <<<"$(js "$work/stream3.json" 'j.Records.map(r => r.dynamodb.SequenceNumber).join(" ")')"
mark=$(wc -l <"$dir/proxy.log")
run pcp_bad "$pcp" "$work/stream3.json" UPDATE_CART_PRODUCT_SQS="$bad_queue" AWS_SECRET_ACCESS_KEY="$wrong_secret"
proxy_since "$mark" >"$work/proxy_pcp_bad.log"
check "stream event INSERT, REMOVE, INSERT: exit 0, batchItemFailures = all 3 SequenceNumbers from the first" \
	responded pcp_bad "$(failures "${seqs[@]}")" || show_run pcp_bad
check "the proxy answered SendMessageBatch 403 InvalidSignatureException and forwarded nothing" \
	eval 'grep -q "\"target\":\"AmazonSQS.SendMessageBatch\".*\"status\":403,\"rejected\":\"InvalidSignatureException\"" \
		"$work/proxy_pcp_bad.log" && ! grep -q "\"upstream\"" "$work/proxy_pcp_bad.log"' || show proxy_pcp_bad.log
call recv_bad AmazonSQS.ReceiveMessage "{\"QueueUrl\":\"$bad_queue\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1}"
check "the queue is empty" is_true recv_bad '(j.Messages ?? []).length === 0' || show recv_bad.json
check "stderr names InvalidSignatureException" grep -q InvalidSignatureException "$work/pcp_bad.err" || show pcp_bad.err
check "stdout and stderr hold neither secret key nor the session token" \
	free_of "wrong secret key=$wrong_secret" "secret key=$good_secret" "session token=$AWS_SESSION_TOKEN" -- \
	"$work/pcp_bad.out" "$work/pcp_bad.err"

check "seed USER#u-8 / PRODUCT#p-a and PRODUCT#p-b PENDING" seed_lines pipeline-cart PENDING u-8/p-a u-8/p-b
make_json send-batch "$data/stream_insert_ordered.body.json" "$bad_queue" o-4004:u-8:p-a o-4005:u-8:p-b \
	>"$work/send3.req.json"
call send3 AmazonSQS.SendMessageBatch "@$work/send3.req.json"
check "ReceiveMessage gets two messages (orders o-4004, o-4005), with their receipt handles" \
	eval 'is_true send3 "j.Successful?.length === 2" && receive recv3 "$bad_queue" 2' || show send3.json recv3.json
sqs_event "$work/recv3.json" pipeline-wrong-secret >"$work/sqs3.json"
mapfile -t fields < <(js "$work/sqs3.json" 'j.Records.flatMap(r => [r.messageId, "receipt handle=" + r.receiptHandle]).join("\n")')
ids=("${fields[0]}" "${fields[2]}") handles=("${fields[1]}" "${fields[3]}")
mark=$(wc -l <"$dir/proxy.log")
run ucs_bad "$ucs" "$work/sqs3.json" TABLE_NAME=pipeline-cart AWS_SECRET_ACCESS_KEY="$wrong_secret"
proxy_since "$mark" >"$work/proxy_ucs_bad.log"
check "SQS event of 2: exit 0, batchItemFailures = both messageIds, in order" \
	responded ucs_bad "$(failures "${ids[@]}")" || show_run ucs_bad
check "the proxy answered UpdateItem 403 InvalidSignatureException and forwarded nothing" \
	eval 'grep -q "\"target\":\"DynamoDB_20120810.UpdateItem\".*\"status\":403,\"rejected\":\"InvalidSignatureException\"" \
		"$work/proxy_ucs_bad.log" && ! grep -q "\"upstream\"" "$work/proxy_ucs_bad.log"' || show proxy_ucs_bad.log
check "read back: USER#u-8 / PRODUCT#p-a and PRODUCT#p-b are still PENDING" \
	lines_are pipeline-cart u-8/p-a=PENDING u-8/p-b=PENDING
check "stderr names InvalidSignatureException" grep -q InvalidSignatureException "$work/ucs_bad.err" || show ucs_bad.err
check "stdout and stderr hold neither secret key, nor the session token, nor a receipt handle" \
	free_of "wrong secret key=$wrong_secret" "secret key=$good_secret" "session token=$AWS_SESSION_TOKEN" "${handles[@]}" -- \
	"$work/ucs_bad.out" "$work/ucs_bad.err"

section "4. cartflow-local: 50 orders through both bootstraps, run as Lambda runs them"
if [ -z "$cfl" ]; then
	echo "     not run: cartflow-local was not built (it needs libmicrohttpd)"
else
	bin_dir=$(dirname "$pcp")
	mkdir -p "$work/local"
	check "--bin-dir $bin_dir holds both bootstraps" [ -x "$bin_dir/update-cart-status" ]
	t0=$(date +%s%3N)
	in_background timeout -k 5 240 "$cfl" --orders 50 --timeout 180 --bin-dir "$bin_dir" --log-dir "$work/local" \
		>"$work/local.out" 2>"$work/local.err"
	rc=$?
	echo "     cartflow-local ran $(($(date +%s%3N) - t0)) ms"
	summary_ok=true
	check "exit 0" [ $rc = 0 ] || summary_ok=false
	check "summary: orders completed 50/50" grep -qE '^ +orders completed +50/50$' "$work/local.out" || summary_ok=false
	check "summary: cart lines checked 150, not ORDERED 0" \
		grep -qE '^ +cart lines checked +150, ORDERED 150, not ORDERED 0$' "$work/local.out" || summary_ok=false
	check "summary: DLQ depth 0" grep -qE '^ +DLQ depth +0$' "$work/local.out" || summary_ok=false
	$summary_ok || show local.out local.err "$work"/local/*.log
	check "the bootstrap logs are there and show their batches" \
		eval 'grep -q "stream batch processed" "$work/local/process-cart-products.log" &&
			grep -q "SQS batch processed" "$work/local/update-cart-status.log"'
	check "no log in the log dir (nor cartflow-local's output) holds the secret key or the session token" \
		free_of "secret key=$good_secret" "session token=$AWS_SESSION_TOKEN" -- \
		"$work"/local/*.log "$work/local.out" "$work/local.err"
fi

section "stop the peers"
check "peers.sh stop" stop_peers
gone() {
	local port
	process_groups_gone "${peer_pids[@]}" || return 1
	for port in "${peer_ports[@]}"; do
		ss -ltnH "sport = :$port" | grep -q . && { echo "     port $port is still listening"; return 1; }
	done
	return 0
}
check "no peer process or listening port left" gone
section ""
finish
