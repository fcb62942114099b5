#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2034 # `check WHAT eval '...'` expands its condition when it runs, on purpose
# Smoke test of the local peers: starts them, checks the proxy verifies signatures (with the node signer
# and with the C SigV4 signer of the two bootstraps), that DynamoDB, DynamoDB Streams and SQS answer
# through it, then stops them and checks nothing is left. Ends with "smoke: N passed, N failed".
#
#   tools/peers/smoke.sh            (SMOKE_BUILD_DIR=build-peers: where the bootstraps are built;
#                                    SMOKE_SKIP_C=1: leave the C bootstraps out)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
peers="$root/tools/peers"
build_dir=${SMOKE_BUILD_DIR:-build-peers}
dir=$(mktemp -d "${TMPDIR:-/tmp}/cartflow-peers.XXXXXX")
work="$dir/work"
mkdir -p "$work"
# ok, bad, check, js, call, status_is, is_true, table, sqs_event
# shellcheck source=tools/peers/lib.sh
. "$peers/lib.sh"

cleanup() {
	[ -d "$dir" ] && "$peers/peers.sh" stop "$dir" >/dev/null 2>&1
	true
}
trap cleanup EXIT

echo "=== install and start (logs in $dir)"
"$peers/peers.sh" install || { echo "smoke: 0 passed, 1 failed"; exit 1; }
if ! "$peers/peers.sh" start "$dir"; then
	bad "peers start"
	tail -n 20 "$dir"/*.log
	echo "smoke: $passed passed, $failed failed"
	exit 1
fi
ok "peers start"
set -a
# shellcheck disable=SC1091
. "$dir/peers.env"
set +a
pids=("$DYNAMODB_LOCAL_PID" "$FAUXQS_PID" "$PROXY_PID")
ports=("$DYNAMODB_LOCAL_PORT" "$FAUXQS_PORT" "$PROXY_PORT")

echo "=== loopback only"
loopback_only() {
	local pid lines
	for pid in "${pids[@]}"; do
		lines=$(ss -ltnpH | grep "pid=$pid,") || return 1
		# Local addresses: 127.0.0.1:P or the IPv4-mapped [::ffff:127.0.0.1]:P (Java's dual-stack socket).
		echo "$lines" | awk '{print $4}' | grep -vqE '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):[0-9]+$' && return 1
	done
	return 0
}
check "each peer listens on 127.0.0.1 only" loopback_only
ss -ltnpH | grep -E "pid=(${pids[0]}|${pids[1]}|${pids[2]})," | awk '{print "     " $4, $6}'

echo "=== the proxy refuses what is not signed right"
curl -s -D "$work/unsigned.h" -o "$work/unsigned.json" -X POST "$AWS_ENDPOINT_URL/" \
	-H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.ListTables' -d '{}'
check "no Authorization -> 403" grep -q '^HTTP/1.1 403' "$work/unsigned.h"
check "403 carries x-amzn-ErrorType: InvalidSignatureException" grep -qi '^x-amzn-ErrorType: InvalidSignatureException' "$work/unsigned.h"
check "403 body is the InvalidSignatureException document" [ "$(cat "$work/unsigned.json")" = \
	'{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}' ]

AWS_SECRET_ACCESS_KEY=wrong-secret call bad_secret DynamoDB_20120810.CreateTable "$(table wrong_secret NEW_AND_OLD_IMAGES)"
check "CreateTable with a wrong secret -> 403 InvalidSignatureException" \
	eval 'status_is bad_secret 403 && grep -q "#InvalidSignatureException" "$work/bad_secret.json"'
AWS_ACCESS_KEY_ID=AKIDSOMEONEELSE call bad_key DynamoDB_20120810.ListTables '{}'
check "unknown access key -> 403 UnrecognizedClientException" \
	eval 'status_is bad_key 403 && grep -q UnrecognizedClientException "$work/bad_key.json"'
AWS_CALL_DATE=$(date -u -d '-20 min' +%Y%m%dT%H%M%SZ) call old_date DynamoDB_20120810.ListTables '{}'
check "X-Amz-Date 20 minutes old -> 403 Signature expired" \
	eval 'status_is old_date 403 && grep -q "Signature expired" "$work/old_date.json"'
AWS_CALL_TAMPER=1 call tampered DynamoDB_20120810.ListTables '{}'
check "body changed after signing -> 403" status_is tampered 403
AWS_REGION=eu-west-1 call bad_region DynamoDB_20120810.ListTables '{}'
check "scope with another region -> 403" status_is bad_region 403

echo "=== DynamoDB through the proxy"
call create_orders DynamoDB_20120810.CreateTable "$(table orders NEW_AND_OLD_IMAGES)"
check "CreateTable orders with a NEW_AND_OLD_IMAGES stream, signed -> 200" \
	eval 'status_is create_orders 200 && is_true create_orders "!!j.TableDescription.LatestStreamArn"'
call list DynamoDB_20120810.ListTables '{}'
check "the refused CreateTable was not forwarded" \
	eval 'status_is list 200 && is_true list "j.TableNames.includes(\"orders\") && !j.TableNames.includes(\"wrong_secret\")"'

code=$(curl -s -o "$work/curl.json" -w '%{http_code}' --aws-sigv4 "aws:amz:$AWS_REGION:dynamodb" \
	--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -X POST "$AWS_ENDPOINT_URL/" \
	-H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.ListTables' -d '{}')
check "ListTables signed by curl --aws-sigv4 (a third signer) -> 200" [ "$code" = 200 ]

echo "=== SQS through the proxy"
call dlq AmazonSQS.CreateQueue '{"QueueName":"cart-dlq"}'
dlq_url=$(js "$work/dlq.json" j.QueueUrl)
call dlq_attrs AmazonSQS.GetQueueAttributes "{\"QueueUrl\":\"$dlq_url\",\"AttributeNames\":[\"QueueArn\"]}"
dlq_arn=$(js "$work/dlq_attrs.json" j.Attributes.QueueArn)
call queue AmazonSQS.CreateQueue "{\"QueueName\":\"cart-updates\",\"Attributes\":{\"VisibilityTimeout\":\"30\",
	\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"3\\\"}\"}}"
check "CreateQueue with a redrive policy -> 200" eval 'status_is dlq 200 && status_is queue 200'
queue_url=$(js "$work/queue.json" j.QueueUrl)
echo "     QueueUrl: $queue_url"
call send AmazonSQS.SendMessageBatch "{\"QueueUrl\":\"$queue_url\",\"Entries\":[
	{\"Id\":\"a\",\"MessageBody\":\"{\\\"n\\\":1}\"},{\"Id\":\"b\",\"MessageBody\":\"{\\\"n\\\":2}\"},
	{\"Id\":\"c\",\"MessageBody\":\"{\\\"n\\\":3}\"}]}"
check "SendMessageBatch of 3 -> 3 successful" \
	eval 'status_is send 200 && is_true send "j.Successful.length === 3 && !(j.Failed ?? []).length"'
got=0
for _ in 1 2 3; do
	call receive AmazonSQS.ReceiveMessage "{\"QueueUrl\":\"$queue_url\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1}"
	status_is receive 200 || break
	got=$((got + $(js "$work/receive.json" '(j.Messages ?? []).length')))
	[ "$got" -ge 3 ] && break
done
check "ReceiveMessage gets the 3 messages back" [ "$got" = 3 ]
call purge AmazonSQS.PurgeQueue "{\"QueueUrl\":\"$queue_url\"}"

echo "=== DynamoDB Streams through the proxy"
item=$(cat "$root/test/data/orders/order_o1.item.json")
call put DynamoDB_20120810.PutItem "{\"TableName\":\"orders\",\"Item\":$item}"
check "PutItem order o1 -> 200" status_is put 200
stream_arn=$(js "$work/create_orders.json" j.TableDescription.LatestStreamArn)
call describe_stream DynamoDBStreams_20120810.DescribeStream "{\"StreamArn\":\"$stream_arn\"}"
shard=$(js "$work/describe_stream.json" 'j.StreamDescription.Shards[0].ShardId')
check "DescribeStream -> a shard" eval 'status_is describe_stream 200 && [ -n "$shard" ]'
call iterator DynamoDBStreams_20120810.GetShardIterator \
	"{\"StreamArn\":\"$stream_arn\",\"ShardId\":\"$shard\",\"ShardIteratorType\":\"TRIM_HORIZON\"}"
check "GetShardIterator TRIM_HORIZON -> 200" status_is iterator 200
call records DynamoDBStreams_20120810.GetRecords "{\"ShardIterator\":\"$(js "$work/iterator.json" j.ShardIterator)\"}"
check "GetRecords -> the INSERT of o1 with its NewImage" eval 'status_is records 200 && is_true records \
	"j.Records.length === 1 && j.Records[0].eventName === \"INSERT\" && j.Records[0].dynamodb.NewImage.order_id.S === \"o1\""'
echo "     record: $(js "$work/records.json" '({eventName: j.Records[0].eventName, awsRegion: j.Records[0].awsRegion,
	StreamViewType: j.Records[0].dynamodb.StreamViewType,
	ApproximateCreationDateTime: j.Records[0].dynamodb.ApproximateCreationDateTime})')"

echo "=== the C bootstraps (their SigV4 signer) through the proxy"
if [ "${SMOKE_SKIP_C:-0}" = 1 ]; then
	echo "     skipped (SMOKE_SKIP_C=1)"
else
	built=true
	(cd "$root" && { [ -f "$build_dir/build.ninja" ] ||
		meson setup "$build_dir" -Dtests=disabled -Dexamples=disabled >"$dir/meson-setup.log" 2>&1; } &&
		meson compile -C "$build_dir" process-cart-products update-cart-status >"$dir/meson-compile.log" 2>&1) || built=false
	check "the bootstraps build ($build_dir)" $built
	pcp="$root/$build_dir/shims/process-cart-products"
	ucs="$root/$build_dir/shims/update-cart-status"
	if $built; then
		call cart DynamoDB_20120810.CreateTable "$(table cart)"
		for p in p1 p2 p3; do
			call "line_$p" DynamoDB_20120810.PutItem "{\"TableName\":\"cart\",\"Item\":{\"PK\":{\"S\":\"USER#u1\"},
				\"SK\":{\"S\":\"PRODUCT#$p\"},\"cartProductStatus\":{\"S\":\"PENDING\"}}}"
		done
		check "cart table with three PENDING lines" eval 'status_is cart 200 && status_is line_p1 200 && status_is line_p3 200'
		# The real stream record, as Lambda would hand it over.
		js "$work/records.json" "({Records: j.Records.map(r => ({...r, eventSourceARN: '$stream_arn'}))})" >"$work/stream-event.json"
		UPDATE_CART_PRODUCT_SQS=$queue_url "$pcp" --event "$work/stream-event.json" >"$work/pcp.out" 2>"$work/pcp.err"
		rc=$?
		check "process-cart-products sends the order to SQS (signed by the C signer)" \
			eval '[ $rc = 0 ] && [ "$(tail -n 1 "$work/pcp.out")" = "{\"batchItemFailures\":[]}" ]'
		call receive_c AmazonSQS.ReceiveMessage "{\"QueueUrl\":\"$queue_url\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":2}"
		check "the message arrives, body = the NewImage" \
			eval 'is_true receive_c "j.Messages?.length === 1 && JSON.parse(j.Messages[0].Body).order_id.S === \"o1\""'
		sqs_event "$work/receive_c.json" cart-updates >"$work/sqs-event.json"
		TABLE_NAME=cart "$ucs" --event "$work/sqs-event.json" >"$work/ucs.out" 2>"$work/ucs.err"
		rc=$?
		check "update-cart-status updates the cart lines (signed by the C signer)" \
			eval '[ $rc = 0 ] && [ "$(tail -n 1 "$work/ucs.out")" = "{\"batchItemFailures\":[]}" ]'
		call line DynamoDB_20120810.GetItem '{"TableName":"cart","Key":{"PK":{"S":"USER#u1"},"SK":{"S":"PRODUCT#p1"}}}'
		check "cart line u1/p1 is ORDERED" is_true line 'j.Item.cartProductStatus.S === "ORDERED"'
		before=$(grep -c InvalidSignatureException "$dir/proxy.log")
		AWS_SECRET_ACCESS_KEY=wrong-secret TABLE_NAME=cart "$ucs" --event "$work/sqs-event.json" >"$work/ucs-bad.out" 2>"$work/ucs-bad.err"
		after=$(grep -c InvalidSignatureException "$dir/proxy.log")
		check "update-cart-status with a wrong secret is refused (403) and reports the message as failed" \
			eval '[ "$after" -gt "$before" ] && grep -q "\"itemIdentifier\"" "$work/ucs-bad.out"'
	fi
fi

echo "=== stop"
t0=$(date +%s%3N)
"$peers/peers.sh" stop "$dir"
check "peers stop ($(($(date +%s%3N) - t0)) ms)" true
gone() {
	local pid port
	for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && return 1; done
	for port in "${ports[@]}"; do ss -ltnH "sport = :$port" | grep -q . && return 1; done
	return 0
}
check "no peer process or listening port left" gone
left=$(pgrep -af 'DynamoDBLocal|fauxqs-loopback|verifying-proxy' | grep -v pgrep || true)
check "pgrep finds no DynamoDBLocal, fauxqs or proxy process" [ -z "$left" ]
[ -n "$left" ] && echo "$left"

echo "=== start-up times: DynamoDB Local ${DYNAMODB_LOCAL_START_MS} ms, fauxqs ${FAUXQS_START_MS} ms," \
	"proxy ${PROXY_START_MS} ms (after both; each until a real request answered)"
echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ] && rm -rf "$dir"
[ "$failed" = 0 ]
