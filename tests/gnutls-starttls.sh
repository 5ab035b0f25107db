#!/bin/bash
# gnutls-starttls: GnuTLS's client (`gnutls-cli --starttls-proto=smtp`)
# does EHLO/STARTTLS against the delayed-mode server, verifies the chain
# and the name, then EHLO, a command and QUIT go through the TLS session.
# Once with the EC certificate, once with the RSA one.
. "$(dirname "$0")/lib.sh"
certs
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log

n=0
for pair in "$SRV_CERT $SRV_KEY ECDSA" "$RSA_CERT $RSA_KEY RSA"; do
  # shellcheck disable=SC2086
  set -- $pair
  n=$((n + 1))
  CERTFILE=$1 KEYFILE=$2 start_tcpserver "srv$n" ucspitlsd "$PY" "$APPS/smtpish.py" y
  with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
    'expect Handshake was completed' \
    'send EHLO gnutls.example' 'expect ^250 HELP' \
    "send XECHO gnutls $3" "expect ^250 gnutls $3\$" \
    'send QUIT' 'expect ^221 ' 'exit any' \
    -- gnutls-cli --starttls-proto=smtp --x509cafile="$CA" --sni-hostname=localhost \
         --verify-hostname=localhost --crlf -p "$PORT" 127.0.0.1 >"$T/gnutls$n.log" 2>&1 \
    || fail "gnutls-cli session with the $3 certificate failed"
  grep -q "Status: The certificate is trusted" "$T/gnutls$n.log" \
    || fail "gnutls-cli did not report a trusted certificate"
  grep -Eq "^- Description: \(TLS1\.2[^)]*\)-\(ECDHE-[^)]*\)-\($3-[^)]*\)-\((AES-[0-9]+-GCM|CHACHA20-POLY1305)\)$" "$T/gnutls$n.log" \
    || fail "gnutls-cli did not negotiate TLS 1.2 ECDHE-$3 with an AEAD: $(grep '^- Description' "$T/gnutls$n.log")"
  wait_lines "$T/status" "$n"
  assert_eq "exit 0" "$(sed -n "${n}p" "$T/status")" "TLS child status ($3)"
  stop "srv$n"
done
assert_eq 2 "$(grep -c '^cmd XECHO gnutls' "$T/app.log")" "XECHO commands seen by the app"
pass
