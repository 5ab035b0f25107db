#!/bin/bash
# ctl-sni-nul: a NUL byte inside the SNI name.  Spec section 4: a NUL in
# a peer-chosen value is escaped (\x00).  Either the handshake is refused
# (a host name holds no NUL), or prog sees the whole name escaped,
# "good.example\x00SSL_EVIL=1" -- never the name cut at the NUL
# ("good.example"), which would let a client pass for a name it did not
# send in full, and never anything after the NUL as a variable.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

TEST_STATUS_FILE=$T/srv.child TEST_YBLOCK_FILE=$T/block \
  start_tcpserver srv ucspitlsd -v2 "$PY" "$APPS/smtpish.py" Y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220' 'tls good.example\x00SSL_EVIL=1' 'send QUIT' 'reply 221' eof \
  >"$T/client.log" 2>&1
rc=$?
wait_lines "$T/srv.child" 1
if grep -q 'handshake failed' "$T/client.log"; then
  assert_eq "exit 98" "$(status_line "$T/srv.child")" "TLS child status after a refused SNI"
  assert_eq 1 "$(grep -c '^ucspitlsd: fatal: ' "$T/srv.err")" "fatal lines"
else
  assert_eq 0 "$rc" "client status: $(tail -n 3 "$T/client.log")"
  printf 'SSL_PROTOCOL=TLSv1.2\0SSL_CIPHER=ECDHE-ECDSA-CHACHA20-POLY1305\0SSL_TLS_SNI_SERVERNAME=good.example\\x00SSL_EVIL=1\0\0' >"$T/expected"
  cmp -s "$T/expected" "$T/block" || fail "the Y block for SNI 'good.example<NUL>SSL_EVIL=1': [$(od -An -c "$T/block" | tr -s ' ')]"
fi
wait_no_ucspitlsd
pass
