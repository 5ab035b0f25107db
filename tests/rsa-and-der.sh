#!/bin/bash
# rsa-and-der: every key and certificate form that the configuration
# accepts works end to end: an RSA certificate with a PKCS#8 key and with
# a PKCS#1 key (an ECDHE-RSA suite is negotiated), the EC key as SEC1 and as
# PKCS#8, the certificate and key in DER, and a chain file (leaf then
# intermediate) that is sent whole, so that a client holding only the root
# CA verifies it.
. "$(dirname "$0")/lib.sh"
certs

export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log
fp() { openssl x509 -inform "${2:-PEM}" -in "$1" -noout -fingerprint -sha256; }

sessions=0
# check NAME CERT KEY SUITE_PREFIX LEAF_FP [NCERTS] -- serve CERT/KEY in
# immediate mode; s_client (root CA only) must verify the chain, see the
# leaf LEAF_FP and NCERTS certificates (default 1), and negotiate a suite
# starting with SUITE_PREFIX; a Python session must work too.
check() {
  local name=$1 cert=$2 key=$3 suite=$4 leaf=$5 ncerts=${6:-1} got
  CERTFILE=$cert KEYFILE=$key start_tcpserver "$name" ucspitlsd -i "$PY" "$APPS/smtpish.py"
  with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
    -servername localhost -verify_hostname localhost -showcerts </dev/null >"$T/$name.sc" 2>&1 \
    || fail "$name: s_client failed: $(grep -i error "$T/$name.sc" | head -n 3)"
  sessions=$((sessions + 1))
  grep -q '^Verification: OK' "$T/$name.sc" || fail "$name: chain not verified with the root CA alone"
  assert_eq "$leaf" "$(fp "$T/$name.sc")" "$name: leaf certificate"
  got=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$T/$name.sc")
  assert_eq "$ncerts" "$got" "$name: certificates sent"
  got=$(sed -n 's/^New, TLSv1.2, Cipher is //p' "$T/$name.sc")
  case $got in "$suite"*) ;; *) fail "$name: suite [$got], expected $suite*" ;; esac
  wait_lines "$T/status" "$sessions"
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls \
    'reply 220' 'send XENV SSL_CIPHER' "reply 250 ^250 SSL_CIPHER=$suite" \
    'send QUIT' 'reply 221' eof >"$T/$name.py" 2>&1 \
    || fail "$name: python session failed: $(tail -n 3 "$T/$name.py")"
  sessions=$((sessions + 1))
  wait_lines "$T/status" "$sessions"
  assert_eq "exit 0" "$(sed -n "${sessions}p" "$T/status")" "$name: TLS child status"
  stop "$name"
  assert_file_not_contains "$T/$name.err" "ucspitlsd:" "$name: server messages"
  say "$name: ok ($got)"
}

head -n 1 "$RSA_KEY" | grep -q 'BEGIN PRIVATE KEY' || fail "RSA_KEY is not PKCS#8"
head -n 1 "$RSA_KEY_PKCS1" | grep -q 'BEGIN RSA PRIVATE KEY' || fail "RSA_KEY_PKCS1 is not PKCS#1"
head -n 1 "$SRV_KEY" | grep -q 'BEGIN EC PRIVATE KEY' || fail "SRV_KEY is not SEC1"
head -n 1 "$SRV_KEY_PKCS8" | grep -q 'BEGIN PRIVATE KEY' || fail "SRV_KEY_PKCS8 is not PKCS#8"
! grep -q -- '-----' "$DER_CERT" "$DER_KEY" || fail "the DER files are PEM"
[ "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$CHAIN_CERT")" = 2 ] || fail "CHAIN_CERT does not hold two certificates"

check rsa-pkcs8 "$RSA_CERT" "$RSA_KEY" ECDHE-RSA- "$(fp "$RSA_CERT")"
check rsa-pkcs1 "$RSA_CERT" "$RSA_KEY_PKCS1" ECDHE-RSA- "$(fp "$RSA_CERT")"
check ec-sec1 "$SRV_CERT" "$SRV_KEY" ECDHE-ECDSA- "$(fp "$SRV_CERT")"
check ec-pkcs8 "$SRV_CERT" "$SRV_KEY_PKCS8" ECDHE-ECDSA- "$(fp "$SRV_CERT")"
check der "$DER_CERT" "$DER_KEY" ECDHE-ECDSA- "$(fp "$DER_CERT" DER)"
# mixed forms: DER certificate with a PEM key, PEM certificate with a DER key
check der-pem "$DER_CERT" "$SRV_KEY" ECDHE-ECDSA- "$(fp "$DER_CERT" DER)"
check pem-der "$SRV_CERT" "$DER_KEY" ECDHE-ECDSA- "$(fp "$SRV_CERT")"
check chain "$CHAIN_CERT" "$CHAIN_KEY" ECDHE-ECDSA- "$(fp "$CHAIN_CERT")" 2
# the chain file really is needed: the leaf alone does not verify
openssl x509 -in "$CHAIN_CERT" -out "$T/leaf-only.pem"
CERTFILE=$T/leaf-only.pem KEYFILE=$CHAIN_KEY start_tcpserver leaf ucspitlsd -i "$PY" "$APPS/smtpish.py"
with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
  -servername localhost </dev/null >"$T/leaf.sc" 2>&1 \
  && fail "a leaf without its intermediate verified against the root alone"
pass
