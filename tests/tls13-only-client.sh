#!/bin/bash
# tls13-only-client: a client that offers TLS 1.3 only (openssl s_client
# -tls1_3, gnutls-cli with TLS 1.3 alone) is told apart from other
# failures: its hello says TLS 1.2 in the legacy field and the truth in
# supported_versions, which BearSSL does not read.  The fatal line says
# that the client offered no TLS 1.2 (not "we sent fatal alert 40"), the
# TLS child exits 98, in immediate and in delayed mode.  A client that
# also offers TLS 1.2 still gets it.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

msg='^ucspitlsd: fatal: TLS handshake failed: the client offered no TLS 1\.2, only later versions, which BearSSL does not have \(BR_ERR_[A-Z_]+\) \(peer=127\.0\.0\.1:[0-9]+\)$'

# said FILE N -- line N of FILE (waited for) is the message
said() {
  wait_lines "$1" "$2" 30
  sed -n "$2p" "$1" | grep -qE "$msg" || fail "line $2 of $1 is not the TLS 1.3 message: $(cat "$1")"
}

# immediate mode
start_tcpserver imm "$APPS/record-exit" "$T/imm.status" ucspitlsd -i cat
with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 </dev/null >"$T/s1.log" 2>&1 \
  && fail "openssl s_client -tls1_3 got a session"
said "$T/imm.err" 1
wait_lines "$T/imm.status" 1 30
assert_eq "exit 98" "$(sed -n 1p "$T/imm.status")" "status of the wrapper (-i)"
if command -v gnutls-cli >/dev/null 2>&1; then
  with_timeout 30 gnutls-cli --insecure --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3' -p "$PORT" 127.0.0.1 \
    </dev/null >"$T/g1.log" 2>&1 && fail "gnutls-cli with TLS 1.3 alone got a session"
  said "$T/imm.err" 2
fi
# TLS 1.2 and 1.3 offered: TLS 1.2 (s_client's status is left out: it
# may count the server's bare EOF as an error)
echo hello | with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
  -servername localhost -ign_eof >"$T/s2.log" 2>&1
grep -q 'Protocol *: TLSv1.2' "$T/s2.log" || fail "not TLS 1.2: $(tail -n 5 "$T/s2.log")"
grep -qx hello "$T/s2.log" || fail "cat's echo did not come back: $(tail -n 5 "$T/s2.log")"

# delayed mode: the same after STARTTLS
TEST_STATUS_FILE=$T/del.status start_tcpserver del ucspitlsd "$PY" "$APPS/smtpish.py" y
with_timeout 30 openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" -tls1_3 </dev/null >"$T/s3.log" 2>&1 \
  && fail "openssl s_client -starttls smtp -tls1_3 got a session"
said "$T/del.err" 1
wait_lines "$T/del.status" 1 30
assert_eq "exit 98" "$(sed -n 1p "$T/del.status")" "status of the TLS child (delayed)"
pass
