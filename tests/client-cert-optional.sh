#!/bin/bash
# client-cert-optional: with -Y the server asks for a client certificate
# and checks it against CAFILE, but does not require one.
#   - a CA-signed client certificate: SSL_PEER_CERT_HASH is SHA256: and the
#     lowercase hex SHA-256 of the certificate's DER, SSL_PEER_CERT_SUBJECT
#     is its subject as an RFC 4514 string, SSL_CLIENT_S_DN and
#     SSL_CLIENT_I_DN subject and issuer as ucspi-ssl writes them
#     (X509_NAME_oneline: the RDNs in the certificate's order, each after
#     a slash), SSL_CLIENT_S_DN_CN its CN, SSL_CLIENT_M_SERIAL, _V_START,
#     _V_END its serial number and validity as openssl reads them -- in
#     the Y block (delayed mode) and in prog's environment (immediate
#     mode), checked by tests/apps/facts-check.py;
#   - no client certificate: none of these facts, the session works;
#   - an untrusted (self-signed) certificate: the handshake fails, exit 98.
# shellcheck disable=SC2154  # sc_rc, st: set by starttls (lib.sh)
. "$(dirname "$0")/lib.sh"
certs

hash=SHA256:$(cert_sha256 "$CLIENT_CERT")
# The client certificate's subject is the RDN sequence CN=client, O=Test
# (openssl -subj /CN=client/O=Test).  RFC 4514, which src/tls/tls_dn.c follows,
# writes the last RDN first: O=Test,CN=client -- as openssl's RFC 2253
# rendering, nginx's $ssl_client_s_dn and mod_ssl's SSL_CLIENT_S_DN do.
subject="O=Test,CN=client"
assert_eq "subject=$subject" "$(openssl x509 -in "$CLIENT_CERT" -noout -subject -nameopt RFC2253)" \
  "the client certificate's subject (openssl, RFC 2253)"
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY CAFILE=$CA
export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log

# the sessions: starttls (lib.sh), with the suite expect_facts names
sessions=0

# the facts of the client certificate, beside what --cert takes from openssl
certfacts=(--cert "$CLIENT_CERT" "SSL_PEER_CERT_HASH=$hash" "SSL_PEER_CERT_SUBJECT=$subject"
  SSL_CLIENT_S_DN=/CN=client/O=Test SSL_CLIENT_S_DN_CN=client
  "SSL_CLIENT_I_DN=/O=ucspitls tests/CN=ucspitls test CA")

# expect_facts [--env] FILE [FACTS...] -- the facts of a session with $cipher
# (ECDHE-ECDSA-AES128-GCM-SHA256 while unset) and SNI localhost, and FACTS
expect_facts() {
  local out
  out=$("$PY" "$APPS/facts-check.py" --tls "${cipher:-ECDHE-ECDSA-AES128-GCM-SHA256}" "$@" \
    SSL_TLS_SNI_SERVERNAME=localhost) || fail "session $sessions: the facts: $out"
}

# 1. delayed mode, Y block
start_tcpserver srv ucspitlsd -Y "$PY" "$APPS/smtpish.py" Y

starttls "with client cert" -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -cert "$CLIENT_CERT" -key "$CLIENT_KEY"
[ "$sc_rc" = 0 ] || fail "session with a client certificate failed: $(tail -n 5 "$T/sc$sessions.log")"
assert_eq "exit 0" "$st" "TLS child status, client certificate"
expect_facts "$T/block" "${certfacts[@]}"

starttls "with client cert" -cipher ECDHE-ECDSA-AES128-GCM-SHA256
[ "$sc_rc" = 0 ] || fail "session without a client certificate failed: $(tail -n 5 "$T/sc$sessions.log")"
assert_eq "exit 0" "$st" "TLS child status, no client certificate"
expect_facts "$T/block"

starttls "with client cert" -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -cert "$SELF_CERT" -key "$SELF_KEY"
[ "$sc_rc" != 0 ] || fail "session with an untrusted client certificate succeeded"
grep -q '^250 with client cert' "$T/sc$sessions.log" && fail "the untrusted client got an answer over TLS"
assert_eq "exit 98" "$st" "TLS child status, untrusted client certificate"
[ -f "$T/block" ] || fail "app did not record the control channel"
[ ! -s "$T/block" ] || fail "a facts block was sent although the handshake failed: [$(od -An -c "$T/block")]"
grep -q '^ucspitlsd: fatal: .*BR_ERR' "$T/srv.err" || fail "no fatal message naming BearSSL's error"
stop srv

# 2. immediate mode: the facts in prog's environment (Python ssl client)
start_tcpserver imm ucspitlsd -i -Y "$PY" "$APPS/dumpenv.py" "$T/env"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  --cert "$CLIENT_CERT" --key "$CLIENT_KEY" tls readall >"$T/py1.log" 2>&1 \
  || fail "immediate session with a client certificate failed: $(tail -n 3 "$T/py1.log")"
wait_file "$T/env"
cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/py1.log")
expect_facts --env "$T/env" "${certfacts[@]}"
assert_file_not_contains "$T/env" "env CAFILE=" "prog's environment"
if grep '^env UCSPITLS=' "$T/env"; then fail "UCSPITLS is set in immediate mode"; fi
rm -f "$T/env"

with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls readall \
  >"$T/py2.log" 2>&1 || fail "immediate session without a client certificate failed: $(tail -n 3 "$T/py2.log")"
wait_file "$T/env"
cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/py2.log")
expect_facts --env "$T/env"
rm -f "$T/env"

# untrusted: ucspitlsd itself exits 98 and prog never runs
stop imm
start_tcpserver imm2 "$APPS/record-exit" "$T/imm2.status" ucspitlsd -i -Y "$PY" "$APPS/dumpenv.py" "$T/env"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  --cert "$SELF_CERT" --key "$SELF_KEY" tls readall >"$T/py3.log" 2>&1 \
  && fail "immediate session with an untrusted client certificate succeeded"
wait_lines "$T/imm2.status" 1
assert_eq "exit 98" "$(cat "$T/imm2.status")" "ucspitlsd -i status, untrusted client certificate"
[ ! -e "$T/env" ] || fail "prog ran although the client certificate was refused"
pass
