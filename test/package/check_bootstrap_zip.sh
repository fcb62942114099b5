#!/usr/bin/env bash
# Checks the Lambda zips that `make dist` writes, the way Lambda will see them.
#   check_bootstrap_zip.sh ZIP...          check these (named FUNCTION-ARCH.zip)
#   check_bootstrap_zip.sh --build SOURCE  run `make -C SOURCE dist` first, then check SOURCE/dist/*.zip;
#                                          skips (exit 77) without the cross toolchain and qemu
#                                          (tools/install-deps.sh package installs them)
# For each zip: it holds one file, bootstrap, mode 755; the ELF is a statically linked ARCH executable
# (tools/package/check-elf.sh); unpacked into an empty directory and
# run with an empty environment (arm64 under qemu-aarch64), it answers a fixture event with the
# expected response, both with --dry-run and for real over HTTPS (TLS, SigV4, the static libcurl
# and OpenSSL) against a local fake AWS endpoint (https://localhost, a name libcurl answers itself)
# whose certificate's CA it is told to trust, and refuses that endpoint when not told to. As root, it
# also reaches that endpoint by names the static glibc must resolve, as on Lambda: one only a fake DNS
# server knows (test/package/fake_dns.py; under strace, no libnss_* library opened), one only
# /etc/hosts knows, with nsswitch.conf listing neither source, and fails clearly on a name nobody
# knows (a mount namespace of its own holds the test's resolv.conf, hosts and nsswitch.conf).
# Both architectures must print the same dry run.
# Ends with "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ "${1:-}" = --build ]; then
	src=${2:?--build needs the source directory}
	for tool in aarch64-linux-gnu-gcc qemu-aarch64 dpkg-source zip unzip openssl; do
		command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (tools/install-deps.sh package)"; exit 77; }
	done
	make -s -C "$src" dist || { echo "FAIL: make dist"; echo "0 passed, 1 failed"; exit 1; }
	set -- "$src"/dist/*-x86_64.zip "$src"/dist/*-arm64.zip
fi
[ $# -gt 0 ] || { echo "usage: check_bootstrap_zip.sh ZIP... | --build SOURCE"; exit 2; }

passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
scratch=$(mktemp -d)
server_pid="" dns_pid=""
cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null
	[ -z "$dns_pid" ] || kill "$dns_pid" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

# The local HTTPS endpoint standing in for SQS and DynamoDB: accepts every SendMessageBatch entry
# and every UpdateItem, and logs "TARGET AUTH-SCHEME" per request.
# Its certificate is signed (SHA-384) by a CA made here, which the bootstrap is told to trust: checking
# a CA's signature needs OpenSSL's digest names, which a self-signed certificate trusted as it is would
# not (lambda_main.c declines other tables at start; this is what holds it to keeping these).
"$root/test/integration/tls/ca-signed-cert.sh" "$scratch" localhost \
	DNS:localhost,DNS:sqs.cartflow.test,DNS:hosts-only.cartflow.test,DNS:nowhere.cartflow.test,IP:127.0.0.1 ||
	{ bad "openssl could not make the CA and the endpoint's certificate"; cat "$scratch/localhost.openssl.log"; echo "$passed passed, $failed failed"; exit 1; }
python3 - "$scratch" <<'PY' &
import http.server, json, ssl, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        target = self.headers.get("X-Amz-Target", "")
        with open(d + "/requests.log", "a") as log:
            log.write("%s %s\n" % (target, self.headers.get("Authorization", "none").split(" ")[0]))
        out = {}
        if target.endswith(".SendMessageBatch"):
            out = {"Successful": [{"Id": e["Id"], "MessageId": "m-" + e["Id"], "MD5OfMessageBody": "0"}
                                  for e in body.get("Entries", [])], "Failed": []}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/localhost.pem", d + "/localhost.key")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(d + "/port.tmp", "w") as f:
    f.write(str(srv.server_address[1]))
__import__("os").rename(d + "/port.tmp", d + "/port")
srv.serve_forever()
PY
server_pid=$!
for _ in $(seq 100); do [ -f "$scratch/port" ] && break; sleep 0.1; done
port=$(cat "$scratch/port" 2>/dev/null)
[ -n "$port" ] || bad "the fake HTTPS endpoint did not start"
endpoint="https://localhost:$port"
queue="$endpoint/123456789012/update-cart-product"

# Name resolution as on Lambda, where the AWS endpoints' names go through the static glibc's resolver.
# Each run gets a mount namespace whose /etc/resolv.conf names a fake DNS server on 127.53.0.1 that
# knows only sqs.cartflow.test, whose /etc/hosts alone knows hosts-only.cartflow.test, and whose
# /etc/nsswitch.conf lists only `myhostname` for hosts: a source a static glibc would dlopen from the
# host, so the bootstrap resolves only if it looks up files and dns whatever nsswitch.conf says.
resolver=0
if [ "$(id -u)" != 0 ]; then
	echo "skip: the name resolution cases need root (a mount namespace, port 53)"
elif ! unshare --mount --propagation private true 2>"$scratch/unshare.err"; then
	echo "skip: the name resolution cases need a mount namespace: $(cat "$scratch/unshare.err")"
else
	mkdir "$scratch/etc"
	printf 'nameserver 127.53.0.1\noptions timeout:2 attempts:2\n' >"$scratch/etc/resolv.conf"
	printf '127.0.0.1 localhost\n127.0.0.1 hosts-only.cartflow.test\n' >"$scratch/etc/hosts"
	printf 'hosts: myhostname\n' >"$scratch/etc/nsswitch.conf"
	python3 "$here/fake_dns.py" 127.53.0.1 "$scratch/dns.log" sqs.cartflow.test=127.0.0.1 \
		2>"$scratch/dns.err" &
	dns_pid=$!
	for _ in $(seq 100); do
		[ -f "$scratch/dns.log.ready" ] || ! kill -0 "$dns_pid" 2>/dev/null && break
		sleep 0.1
	done
	if [ -f "$scratch/dns.log.ready" ]; then
		resolver=1
	else
		bad "the fake DNS server did not start: $(cat "$scratch/dns.err")"
	fi
fi
# in_resolver_sandbox CMD...: CMD in a mount namespace with the test's resolv.conf, hosts, nsswitch.conf.
in_resolver_sandbox() {
	unshare --mount --propagation private sh -c \
		'for f in resolv.conf hosts nsswitch.conf; do mount --bind "$0/$f" "/etc/$f" || exit 125; done; exec "$@"' \
		"$scratch/etc" "$@"
}
# run_bootstrap DIR ARCH FUNCTION [VAR=VALUE...] -- ARGS...: the bootstrap in DIR, empty environment,
# started through the command in the array launcher when a caller has set it (a local of call_endpoint).
run_bootstrap() {
	local dir=$1 arch=$2 fn=$3
	shift 3
	local vars=()
	while [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	local runner=()
	if [ "$arch" = arm64 ] && [ "$(uname -m)" != aarch64 ]; then
		runner=("$(command -v qemu-aarch64)" -L /usr/aarch64-linux-gnu)
	elif [ "$arch" = x86_64 ] && [ "$(uname -m)" != x86_64 ]; then
		runner=("$(command -v qemu-x86_64)" -L /usr/x86_64-linux-gnu)
	fi
	(cd "$dir" && "${launcher[@]}" env -i AWS_LAMBDA_FUNCTION_NAME="$fn" TABLE_NAME=orders UPDATE_CART_PRODUCT_SQS="$queue" \
		"${vars[@]}" "${runner[@]}" ./bootstrap "$@")
}

# dns_seen: the names and types the fake DNS server was asked for since the last call_endpoint.
dns_seen() { tr '\n' ' ' <"$scratch/dns.log"; }

# call_endpoint [--resolving [--traced]] URL [VAR=VALUE...]: the bootstrap ($dir, $arch, $fn) on
# $event against AWS_ENDPOINT_URL=URL with the credentials; in_resolver_sandbox with --resolving, and
# under strace with --traced (its opens in $scratch/$base.opens). Sets rc, got (its last line of
# output) and seen (signed $target calls that reached the fake endpoint); its standard error is in
# $scratch/$base.err, the DNS queries in $scratch/dns.log.
call_endpoint() {
	local launcher=()
	[ "$1" != --resolving ] || { launcher=(in_resolver_sandbox); shift; }
	[ "${1:-}" != --traced ] || { launcher+=(strace -f -qq -e trace=open,openat -o "$scratch/$base.opens"); shift; }
	local url=$1
	shift
	: >"$scratch/requests.log"
	: >"$scratch/dns.log"
	run_bootstrap "$dir" "$arch" "$fn" "${creds[@]}" AWS_ENDPOINT_URL="$url" "$@" -- --event "$event" \
		>"$scratch/$base.out" 2>"$scratch/$base.err"
	rc=$?
	got=$(tail -n 1 "$scratch/$base.out")
	seen=$(grep -c "^$target AWS4-HMAC-SHA256\$" "$scratch/requests.log")
}

for zip in "$@"; do
	base=$(basename "$zip" .zip)
	fn=${base%-*} arch=${base##*-}
	case "$fn" in
	process-cart-products)
		event=$root/test/data/orders/stream_insert_ordered.json
		want='{"batchItemFailures":[]}'
		want_unresolved='{"batchItemFailures":[{"itemIdentifier":"111100000000000000000001"}]}'
		target=AmazonSQS.SendMessageBatch calls=1 ;;
	update-cart-status)
		event=$root/test/data/orders/sqs_two_orders.json
		want='{"batchItemFailures":[{"itemIdentifier":"2e1424d4-f796-459a-8184-9c92662be6da"}]}'
		want_unresolved='{"batchItemFailures":[{"itemIdentifier":"059f36b4-87a3-44ab-83d2-661975830a7d"},{"itemIdentifier":"2e1424d4-f796-459a-8184-9c92662be6da"}]}'
		target=DynamoDB_20120810.UpdateItem calls=2 ;;
	*) bad "$zip: not FUNCTION-ARCH.zip"; continue ;;
	esac
	if [ ! -f "$zip" ]; then bad "$zip: missing"; continue; fi
	listing=$(unzip -Z "$zip" | sed -n '/^[-dl]/p')
	if [ "$(unzip -Z1 "$zip")" = bootstrap ] && [[ "$listing" == -rwxr-xr-x* ]]; then
		ok "$base: holds one file, bootstrap, mode 755"
	else
		bad "$base: want one file bootstrap -rwxr-xr-x, got: $listing"
	fi
	dir="$scratch/$base"
	mkdir "$dir"
	unzip -q "$zip" -d "$dir" || { bad "$base: unzip"; continue; }
	if elf=$("$root/tools/package/check-elf.sh" "$arch" "$dir/bootstrap" 2>&1); then
		ok "$base: ${elf#ok: * }"
	else
		bad "$base: $elf"
	fi

	run_bootstrap "$dir" "$arch" "$fn" -- --event "$event" --dry-run >"$scratch/$base.dry" 2>"$scratch/$base.err"
	rc=$? got=$(tail -n 1 "$scratch/$base.dry")
	if [ $rc -eq 0 ] && [ "$got" = "$want" ] && grep -q "\"target\":\"$target\"" "$scratch/$base.dry"; then
		ok "$base: --dry-run answers $got"
	else
		bad "$base: --dry-run exit $rc, last line '$got', want '$want'"; cat "$scratch/$base.err"
	fi
	creds=(AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=not-a-secret
		AWS_SESSION_TOKEN=token)
	trust=SSL_CERT_FILE="$scratch/localhost-ca.pem"
	call_endpoint "$endpoint" "$trust"
	if [ "$got" = "$want" ] && [ "$seen" -eq "$calls" ]; then
		ok "$base: over HTTPS, $seen signed $target call(s), answers $got"
	else
		bad "$base: over HTTPS answered '$got' after $seen signed $target call(s), want '$want' after $calls"
		cat "$scratch/$base.err" "$scratch/requests.log"
	fi
	# Without being told to trust the fake endpoint's certificate, nothing may reach it.
	call_endpoint "$endpoint"
	if [ ! -s "$scratch/requests.log" ] && [ "$got" != "$want" ] && grep -qi 'certificate' "$scratch/$base.err"; then
		ok "$base: refuses an untrusted certificate"
	else
		bad "$base: with an untrusted certificate answered '$got'"; cat "$scratch/$base.err"
	fi
	[ $resolver = 1 ] || continue
	# Traced when strace is here: a static glibc must not dlopen the host's libnss_myhostname.
	traced=()
	command -v strace >/dev/null && traced=(--traced)
	call_endpoint --resolving "${traced[@]}" "https://sqs.cartflow.test:$port" "$trust"
	if [ "$got" = "$want" ] && [ "$seen" -eq "$calls" ] && grep -q '^sqs.cartflow.test 1$' "$scratch/dns.log"; then
		ok "$base: resolves a name through DNS (nsswitch.conf lists only myhostname), answers $got"
	else
		bad "$base: through DNS answered '$got' after $seen call(s); DNS saw: $(dns_seen)"
		cat "$scratch/$base.err"
	fi
	if [ ${#traced[@]} = 0 ]; then
		echo "skip: $base: whether it opens a libnss_* library (strace missing)"
	elif grep -q 'libnss_' "$scratch/$base.opens"; then
		bad "$base: opens a libnss_* library: $(grep 'libnss_' "$scratch/$base.opens" | head -3)"
	elif ! grep -q '"/etc/hosts"' "$scratch/$base.opens"; then
		bad "$base: strace saw no open of /etc/hosts"; head -5 "$scratch/$base.opens"
	else
		ok "$base: opens no libnss_* library while resolving"
	fi
	call_endpoint --resolving "https://hosts-only.cartflow.test:$port" "$trust"
	if [ "$got" = "$want" ] && [ "$seen" -eq "$calls" ] && ! grep -q '^hosts-only' "$scratch/dns.log"; then
		ok "$base: resolves a name from /etc/hosts without asking DNS, answers $got"
	else
		bad "$base: through /etc/hosts answered '$got' after $seen call(s); DNS saw: $(dns_seen)"
		cat "$scratch/$base.err"
	fi
	call_endpoint --resolving "https://nowhere.cartflow.test:$port" "$trust"
	if [ "$rc" -lt 128 ] && [ ! -s "$scratch/requests.log" ] && [ "$got" = "$want_unresolved" ] &&
		grep -q 'Could not resolve host: nowhere.cartflow.test' "$scratch/$base.err" &&
		grep -q '^nowhere.cartflow.test 1$' "$scratch/dns.log"; then
		ok "$base: a name nobody knows fails every call, each record reported in batchItemFailures (exit $rc)"
	else
		bad "$base: an unknown name: exit $rc, answered '$got', want '$want_unresolved'; DNS saw: $(dns_seen)"
		cat "$scratch/$base.err"
	fi
done
# The same event must give the same requests and response on both architectures.
for arm in "$scratch"/*-arm64.dry; do
	[ -f "${arm%-arm64.dry}-x86_64.dry" ] || continue
	base=$(basename "$arm" .dry)
	if cmp -s "${arm%-arm64.dry}-x86_64.dry" "$arm"; then
		ok "$base: dry run identical to x86_64's"
	else
		bad "$base: dry run differs from x86_64's"; diff "${arm%-arm64.dry}-x86_64.dry" "$arm" | head -10
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
