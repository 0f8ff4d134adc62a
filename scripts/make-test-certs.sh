#!/usr/bin/env bash
# Generates the test certificates of Tests/Certificates (see its README.md) with the openssl
# command line tool (OpenSSL 3.0 or later). Every key is EC P-256. Every certificate is issued by
# `openssl ca` with fixed -startdate/-enddate (OpenSSL 3.0's `openssl x509` cannot set a start
# date): the valid ones from 2020 to 2120, so that they neither rot nor look not yet valid on a
# machine whose clock is behind; expired.pem ends in 2001 and not-yet-valid.pem starts in 2090.
#
# Usage: scripts/make-test-certs.sh [OUTPUT_DIRECTORY]   (default: Tests/Certificates)
# Existing files in the directory are overwritten; new keys are made every time.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-Tests/Certificates}"
mkdir -p "$out"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

valid_from=20200101000000Z
valid_until=21200101000000Z

log() { printf 'make-test-certs: %s\n' "$*" >&2; }

new_key() {  # new_key NAME
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$1.key"
}

# The configuration of `openssl ca` for one certificate, with its extensions in section `ext`:
# ca_config NAME EXTENSIONS. Each certificate gets its own empty database.
ca_config() {
    local db="$work/db-$1"
    mkdir -p "$db"
    : >"$db/index.txt"
    cat >"$work/$1.cnf" <<END
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $db/index.txt
new_certs_dir = $db
serial = $db/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
organizationName = optional
commonName = supplied
[ ext ]
$2
END
}

# Signs $work/NAME.csr into $out/NAME.pem: sign NAME START END OPENSSL-CA-ARGUMENTS...
sign() {
    local name="$1" start="$2" end="$3"
    shift 3
    openssl ca -batch -notext -rand_serial -config "$work/$name.cnf" -extensions ext \
        -startdate "$start" -enddate "$end" "$@" \
        -in "$work/$name.csr" -out "$out/$name.pem" 2>"$work/ca.log" \
        || { cat "$work/ca.log" >&2; exit 1; }
}

# A self-signed CA certificate: make_ca NAME "COMMON NAME"
make_ca() {
    new_key "$1"
    openssl req -new -sha256 -key "$out/$1.key" -subj "/O=swift-grpc-sync/CN=$2" -out "$work/$1.csr"
    ca_config "$1" "basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash"
    sign "$1" "$valid_from" "$valid_until" -selfsign -keyfile "$out/$1.key"
    log "$1.pem: CA \"$2\""
}

# A leaf certificate signed by a CA:
# make_leaf NAME CA "COMMON NAME" EXTENDED_KEY_USAGE SUBJECT_ALT_NAMES [STARTDATE ENDDATE]
# Dates are YYYYMMDDHHMMSSZ, by default $valid_from and $valid_until.
make_leaf() {
    local name="$1" ca="$2" cn="$3" eku="$4" san="$5"
    local start="${6:-$valid_from}" end="${7:-$valid_until}"
    new_key "$name"
    openssl req -new -sha256 -key "$out/$name.key" -subj "/O=swift-grpc-sync/CN=$cn" \
        -out "$work/$name.csr"
    ca_config "$name" "basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = $eku
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $san"
    sign "$name" "$start" "$end" -cert "$out/$ca.pem" -keyfile "$out/$ca.key"
    log "$name.pem: \"$cn\" signed by $ca, $san, valid $start to $end"
}

make_ca ca "swift-grpc-sync test CA"
make_ca other-ca "swift-grpc-sync other test CA"

make_leaf server ca "*.test.google.fr" serverAuth \
    "DNS:*.test.google.fr,DNS:waterzooi.test.google.be,DNS:localhost,IP:127.0.0.1,IP:::1"
make_leaf client ca testclient clientAuth \
    "DNS:testclient.test.google.fr,URI:spiffe://test.example/client"
make_leaf other-client other-ca testclient clientAuth \
    "DNS:testclient.test.google.fr,URI:spiffe://test.example/other-client"
make_leaf other-server other-ca localhost serverAuth "DNS:localhost,IP:127.0.0.1"
make_leaf expired ca localhost serverAuth "DNS:localhost,IP:127.0.0.1" \
    20000101000000Z 20010101000000Z
make_leaf not-yet-valid ca localhost serverAuth "DNS:localhost,IP:127.0.0.1" \
    20900101000000Z 21900101000000Z
make_leaf wrong-host ca wrong.example.com serverAuth "DNS:wrong.example.com"

# What the tests rely on.
check() {  # check EXPECTED(ok|fail) openssl verify ARGUMENTS...
    local expected="$1"
    shift
    if openssl verify "$@" >/dev/null 2>&1; then local got=ok; else local got=fail; fi
    [[ "$got" == "$expected" ]] || { log "check failed: openssl verify $* ($got)"; exit 1; }
}
for name in server client wrong-host; do check ok -CAfile "$out/ca.pem" "$out/$name.pem"; done
for name in other-client other-server; do check ok -CAfile "$out/other-ca.pem" "$out/$name.pem"; done
check ok -CAfile "$out/ca.pem" -verify_hostname foo.test.google.fr "$out/server.pem"
check ok -CAfile "$out/ca.pem" -verify_ip ::1 "$out/server.pem"
check fail -CAfile "$out/ca.pem" -verify_hostname localhost "$out/wrong-host.pem"
check fail -CAfile "$out/ca.pem" "$out/expired.pem"
check fail -CAfile "$out/ca.pem" "$out/not-yet-valid.pem"
check ok -no_check_time -CAfile "$out/ca.pem" "$out/expired.pem"
check ok -no_check_time -CAfile "$out/ca.pem" "$out/not-yet-valid.pem"
check fail -CAfile "$out/ca.pem" "$out/other-server.pem"
check fail -CAfile "$out/ca.pem" "$out/other-client.pem"
chmod 644 "$out"/*.pem "$out"/*.key
log "done: $out"
