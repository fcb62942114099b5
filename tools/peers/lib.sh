# shellcheck shell=bash disable=SC2154 # work: set by the script that sources this file
# Shell helpers for scripts that talk to the local peers (tools/peers/smoke.sh, tools/soak.sh,
# test/integration/check_pipeline.sh, test/integration/check_tls.sh). Source it, then set `work` (a scratch directory) before `call`.
# `peers` is this directory unless the script set it.
peers=${peers:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
# check DESCRIPTION CMD...: counts and prints the outcome; returns 1 when CMD failed.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; return 1; fi
}
# listening_port LOG NAME PID: waits up to 10 s for "NAME listening on 127.0.0.1:PORT" in LOG and
# prints PORT; returns 1 when the time is up or process PID has exited first.
listening_port() {
	local port
	for _ in $(seq 1 200); do
		port=$(sed -n "s/^$2 listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p" "$1" 2>/dev/null | head -1)
		[ -n "$port" ] && { echo "$port"; return 0; }
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# process_groups_gone PGID...: true when none of these process groups has a process left.
process_groups_gone() {
	local pid
	for pid in "$@"; do
		kill -0 -- "-$pid" 2>/dev/null && { echo "     process group $pid is alive"; return 1; }
	done
	return 0
}
# js FILE EXPR: evaluates EXPR with j = the JSON in FILE; prints the result (strings bare).
js() {
	node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const r = eval(process.argv[2]); process.stdout.write(typeof r === "string" ? r : JSON.stringify(r));' "$1" "$2"
}
# call NAME TARGET BODY: signed call through the proxy (aws-call.mjs; BODY may be @FILE); body in
# $work/NAME.json, status in $work/NAME.status.
call() {
	local name=$1
	node "$peers/aws-call.mjs" "$2" "$3" >"$work/$name.json" 2>"$work/$name.err"
	sed -n 's/^HTTP //p' "$work/$name.err" >"$work/$name.status"
}
status_is() { [ "$(cat "$work/$1.status")" = "$2" ]; }
is_true() { [ "$(js "$work/$1.json" "$2")" = true ]; }

# table NAME [STREAM_VIEW_TYPE]: a CreateTable body keyed PK/SK.
table() {
	local stream=""
	[ $# -gt 1 ] && stream=",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"$2\"}"
	echo "{\"TableName\":\"$1\",\"BillingMode\":\"PAY_PER_REQUEST\",
	\"AttributeDefinitions\":[{\"AttributeName\":\"PK\",\"AttributeType\":\"S\"},{\"AttributeName\":\"SK\",\"AttributeType\":\"S\"}],
	\"KeySchema\":[{\"AttributeName\":\"PK\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"SK\",\"KeyType\":\"RANGE\"}]$stream}"
}

# sqs_event RECEIVED QUEUE_NAME: prints the SQS event Lambda would build from the messages of a
# ReceiveMessage answer (the JSON file RECEIVED), in the order received.
sqs_event() {
	js "$1" "({Records: (j.Messages ?? []).map(m => ({messageId: m.MessageId,
		receiptHandle: m.ReceiptHandle, body: m.Body, attributes: {ApproximateReceiveCount: '1'},
		messageAttributes: {}, md5OfBody: m.MD5OfBody, eventSource: 'aws:sqs',
		eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:$2', awsRegion: 'us-east-1'}))})"
}
