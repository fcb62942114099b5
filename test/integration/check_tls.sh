#!/usr/bin/env bash
# TLS is always verified (docs/reliability.md, its table of checks): update-cart-status --event against a local
# HTTPS stand-in for DynamoDB (tls/https-server.mjs) with certificates made here by openssl:
#   1. the server's certificate is trusted (SSL_CERT_FILE) and names 127.0.0.1: the calls go through;
#   2. an unrelated certificate is trusted instead: peer verification refuses, nothing reaches the
#      server, every message is reported;
#   3. the certificate is trusted but names another host: host verification refuses the same way;
#   4. a plain-http endpoint that is not loopback is a configuration error (exit 2), before any call;
#   5. the server's certificate is signed by a trusted CA (SHA-384), as AWS's are: the calls go through.
#      This one checks a signature in the chain: a self-signed certificate trusted as itself is not
#      checked at all. It fails when the bootstrap declines OpenSSL's digest names (lambda_main.c).
#
#   check_tls.sh UPDATE_CART_STATUS
#
# Ends with "tls: N passed, N failed"; exit 77 (skip) without node or openssl.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 UPDATE_CART_STATUS" >&2; exit 2; }
ucs=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
event="$root/test/data/orders/sqs_two_orders.json"
command -v node >/dev/null && command -v openssl >/dev/null || { echo "SKIP: node or openssl missing"; exit 77; }
# shellcheck source=tools/peers/lib.sh
. "$root/tools/peers/lib.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/cartflow-tls.XXXXXX")
server_pid=
stop_server() { [ -z "$server_pid" ] || { kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }; server_pid=; }
trap 'stop_server; rm -rf "$dir"' EXIT

# cert NAME SUBJECT_ALT_NAME: a self-signed certificate and its key in $dir/NAME.{pem,key}
cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cartflow-test-$1" -addext "subjectAltName=$2" \
		-keyout "$dir/$1.key" -out "$dir/$1.pem" >/dev/null 2>&1
}
# ca_signed NAME SUBJECT_ALT_NAME: an EC P-256 key in $dir/NAME.key and a certificate for it in
# $dir/NAME.pem, signed with SHA-384 by a new CA whose certificate is $dir/NAME-ca.pem
ca_signed() { "$here/tls/ca-signed-cert.sh" "$dir" "$1" "$2"; }
# serve NAME: the HTTPS server with certificate NAME; sets $port
serve() {
	node "$here/tls/https-server.mjs" "$dir/$1.key" "$dir/$1.pem" >"$dir/server-$1.log" 2>&1 &
	server_pid=$!
	port=$(listening_port "$dir/server-$1.log" https-server "$server_pid")
}
# invoke NAME CA_FILE ENDPOINT: one local invocation; output in $dir/NAME.{out,err,rc}
invoke() {
	env -i PATH=/usr/bin:/bin SSL_CERT_FILE="$2" TABLE_NAME=carts AWS_ACCESS_KEY_ID=AKIDTLSTEST \
		AWS_SECRET_ACCESS_KEY=tls-test-secret AWS_REGION=us-east-1 AWS_ENDPOINT_URL_DYNAMODB="$3" \
		timeout 60 "$ucs" --event "$event" >"$dir/$1.out" 2>"$dir/$1.err"
	echo $? >"$dir/$1.rc"
}
answered() { stop_server; grep -qx "answered $2" "$dir/server-$1.log"; }
last_line() { [ "$(cat "$dir/$1.rc")" = 0 ] && [ "$(tail -n 1 "$dir/$1.out")" = "$2" ]; }
show() { echo "     exit $(cat "$dir/$1.rc")"; tail -n 5 "$dir/$1.out" "$dir/$1.err" | sed 's/^/     | /'; }

good='{"batchItemFailures":[{"itemIdentifier":"2e1424d4-f796-459a-8184-9c92662be6da"}]}'
all='{"batchItemFailures":[{"itemIdentifier":"059f36b4-87a3-44ab-83d2-661975830a7d"},{"itemIdentifier":"2e1424d4-f796-459a-8184-9c92662be6da"}]}'
check "certificates made with openssl" eval 'cert local IP:127.0.0.1 && cert other IP:127.0.0.1 && cert elsewhere DNS:cartflow.invalid' ||
	{ echo "tls: $passed passed, $failed failed"; exit 1; }

check "https server with a certificate for 127.0.0.1" serve local
invoke trusted "$dir/local.pem" "https://127.0.0.1:$port"
check "trusted: both UpdateItems of the good message go through; only the malformed message is reported" \
	last_line trusted "$good" || show trusted
check "trusted: the server answered 2 requests" answered local 2

serve local
invoke untrusted "$dir/other.pem" "https://127.0.0.1:$port"
check "untrusted certificate: every message reported" last_line untrusted "$all" || show untrusted
check "untrusted certificate: curl's verification error is logged" grep -q "SSL certificate problem" "$dir/untrusted.err" ||
	show untrusted
check "untrusted certificate: no request reached the server" answered local 0

serve elsewhere
invoke wrong_host "$dir/elsewhere.pem" "https://127.0.0.1:$port"
check "certificate for another host: every message reported" last_line wrong_host "$all" || show wrong_host
check "certificate for another host: the host check refused it" \
	grep -q "no alternative certificate subject name matches\|SSL: certificate subject name" "$dir/wrong_host.err" ||
	show wrong_host
check "certificate for another host: no request reached the server" answered elsewhere 0

invoke plain_remote "$dir/local.pem" "http://cartflow.invalid:8000"
check "plain http to a non-loopback endpoint: configuration error, exit 2, nothing sent" \
	eval '[ "$(cat "$dir/plain_remote.rc")" = 2 ] && grep -q "plain http is allowed only for loopback" "$dir/plain_remote.err"' ||
	show plain_remote

check "certificate signed by a trusted CA made with openssl" ca_signed chained IP:127.0.0.1 &&
	check "https server with the CA-signed certificate" serve chained &&
	invoke chained "$dir/chained-ca.pem" "https://127.0.0.1:$port"
check "CA-signed certificate: both UpdateItems of the good message go through" last_line chained "$good" ||
	show chained
check "CA-signed certificate: the server answered 2 requests" answered chained 2

echo "tls: $passed passed, $failed failed"
[ "$failed" = 0 ]
