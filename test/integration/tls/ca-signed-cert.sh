#!/usr/bin/env bash
# ca-signed-cert.sh DIR NAME SUBJECT_ALT_NAME: a new CA (RSA 2048, DIR/NAME-ca.pem) and an EC P-256 key
# (DIR/NAME.key) with a certificate for it (DIR/NAME.pem, CN=NAME) signed by that CA with SHA-384.
# Checking such a chain needs OpenSSL's digest names, which a self-signed certificate trusted as it
# is does not. openssl's output goes to DIR/NAME.openssl.log; exits non-zero when a step fails.
set -euo pipefail
dir=${1:?usage: ca-signed-cert.sh DIR NAME SUBJECT_ALT_NAME} name=${2:?name} san=${3:?subject alt name}
log="$dir/$name.openssl.log"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$name-ca" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
	-keyout "$dir/$name-ca.key" -out "$dir/$name-ca.pem" >>"$log" 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
	-keyout "$dir/$name.key" -out "$dir/$name.csr" >>"$log" 2>&1
printf 'subjectAltName=%s\n' "$san" >"$dir/$name.ext"
openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$name-ca.pem" -CAkey "$dir/$name-ca.key" -CAcreateserial \
	-days 2 -sha384 -extfile "$dir/$name.ext" -out "$dir/$name.pem" >>"$log" 2>&1
