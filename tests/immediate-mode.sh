#!/bin/bash
# immediate-mode: `ucspitlsd -i` does the handshake first, then execs prog
# with the decrypted stream on fds 0/1 and the session facts in its
# environment (no SSLCTLFD/SSLREADFD/SSLWRITEFD).  A client that does not
# speak TLS gets no plaintext at all: ucspitlsd exits 98 and prog never
# runs.
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log
start_tcpserver srv ucspitlsd -i "$PY" "$APPS/smtpish.py"

# 1. openssl s_client straight into TLS; the app reports its environment
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
  'expect ^Verification: OK' 'expect ^220 ' \
  'send XENV SSL_PROTOCOL' 'expect ^250 SSL_PROTOCOL=TLSv1.2$' \
  'send XENV SSL_CIPHER' 'expect ^250 SSL_CIPHER=ECDHE-ECDSA-AES256-GCM-SHA384$' \
  'send XENV SSL_TLS_SNI_SERVERNAME' 'expect ^250 SSL_TLS_SNI_SERVERNAME=localhost$' \
  'send XENV SSLCTLFD' 'expect ^250 SSLCTLFD unset$' \
  'send XENV SSL_PEER_CERT_HASH' 'expect ^250 SSL_PEER_CERT_HASH unset$' \
  'send XENV CERTFILE' 'expect ^250 CERTFILE unset$' \
  'send QUIT' 'expect ^221 ' 'exit any' \
  -- openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
       -verify_hostname localhost -servername localhost -cipher ECDHE-ECDSA-AES256-GCM-SHA384 \
       -brief -crlf -ign_eof >"$T/sclient.log" 2>&1 \
  || fail "openssl s_client session failed"
wait_lines "$T/status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/status")" "TLS child status after s_client"

# 2. Python ssl, no SNI: SSL_CIPHER is what the client negotiated, and
# there is no SSL_TLS_SNI_SERVERNAME
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" tls \
  'reply 220' 'send EHLO immediate.example' 'reply 250 ^250 HELP$' \
  'send XENV SSL_CIPHER' 'reply 250' \
  'send XENV SSL_TLS_SNI_SERVERNAME' 'reply 250 ^250 SSL_TLS_SNI_SERVERNAME unset$' \
  'send STARTTLS' 'reply 503' \
  'send QUIT' 'reply 221' eof >"$T/py.log" 2>&1 \
  || fail "python session failed: $(tail -n 3 "$T/py.log")"
assert_file_not_contains "$T/py.log" "250-STARTTLS" "EHLO reply in immediate mode"
cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/py.log")
[ -n "$cipher" ] || fail "no TLSv1.2 session"
assert_file_contains "$T/py.log" "S: 250 SSL_CIPHER=$cipher"
wait_lines "$T/status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/status")" "TLS child status after python"

# 3. a plaintext client: handshake failure, exit 98, prog never runs, and
# not one plaintext byte comes back (a TLS alert record at most)
start_tcpserver bad "$APPS/record-exit" "$T/bad.status" ucspitlsd -i touch "$T/marker"
with_timeout 30 "$PY" - "$PORT" >"$T/plain.log" 2>&1 <<'PYEOF' || fail "plaintext client: $(cat "$T/plain.log")"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"EHLO plaintext.example\r\n")
got = b""
while True:
    try:
        b = s.recv(4096)
    except ConnectionResetError:
        break
    if not b:
        break
    got += b
print("received", got.hex() or "nothing")
PYEOF
wait_lines "$T/bad.status" 1
assert_eq "exit 98" "$(cat "$T/bad.status")" "ucspitlsd -i exit status with a plaintext client"
[ ! -e "$T/marker" ] || fail "prog ran although the handshake failed"
got=$(sed -n 's/^received //p' "$T/plain.log")
case $got in
  nothing|15030[0-3]*) ;;
  *) fail "the plaintext client received something other than an alert: $got" ;;
esac
grep -q '^ucspitlsd: fatal: ' "$T/bad.err" || fail "no fatal message for the failed handshake"
pass
