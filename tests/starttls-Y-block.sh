#!/bin/bash
# starttls-Y-block: with `Y` the wrapper writes the session facts on the
# control channel before closing it: NAME=VALUE strings each ended by NUL,
# the block ended by one more NUL, in the order SSL_PROTOCOL, SSL_CIPHER,
# SSL_CIPHER_USEKEYSIZE, SSL_CIPHER_ALGKEYSIZE (the cipher's key size),
# SSL_TLS_SNI_SERVERNAME (left out when the client sent no SNI),
# SSL_SESSION_ID (64 lowercase hex digits), SSL_VERSION_LIBRARY (BearSSL
# 0.6); no client certificate, so none of its facts.  The cipher is the
# one the client negotiated.  tests/apps/facts-check.py checks names,
# order, values and the layout for the halfway reader of s/qmail.
. "$(dirname "$0")/lib.sh"
certs

export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver ec ucspitlsd "$PY" "$APPS/smtpish.py" Y
ec_port=$PORT
CERTFILE=$RSA_CERT KEYFILE=$RSA_KEY start_tcpserver rsa ucspitlsd "$PY" "$APPS/smtpish.py" Y
rsa_port=$PORT

sessions=0
# check_block SNI CIPHER -- the block of the session that just ended
check_block() {
  local sni=$1 cipher=$2 out
  sessions=$((sessions + 1))
  wait_lines "$T/status" "$sessions"
  assert_eq "exit 0" "$(sed -n "${sessions}p" "$T/status")" "TLS child status, session $sessions"
  out=$("$PY" "$APPS/facts-check.py" --tls "$cipher" "$T/block" ${sni:+"SSL_TLS_SNI_SERVERNAME=$sni"}) \
    || fail "session $sessions: the Y block: $out"
  rm -f "$T/block"
}

# py_session PORT ARGS... -- a STARTTLS session; sets c to the cipher
py_session() {
  local port=$1; shift
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$port" "$@" \
    'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
    'send STARTTLS' 'reply 220' tls \
    'send XECHO facts' 'reply 250 ^250 facts$' 'send QUIT' 'reply 221' eof \
    >"$T/py.log" 2>&1 || fail "python session failed: $(tail -n 3 "$T/py.log")"
  c=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/py.log")
}

# 1. SNI localhost, default suites
py_session "$ec_port" --ca "$CA" --sni localhost
case $c in ECDHE-ECDSA-*) ;; *) fail "unexpected cipher [$c]" ;; esac
check_block localhost "$c"

# 2. no SNI, and a suite the client forces: the block follows the client
py_session "$ec_port" --ciphers ECDHE-ECDSA-CHACHA20-POLY1305
assert_eq ECDHE-ECDSA-CHACHA20-POLY1305 "$c" "negotiated cipher"
check_block "" "$c"

py_session "$ec_port" --ciphers ECDHE-ECDSA-AES256-GCM-SHA384 --ca "$CA" --sni test.example.org
assert_eq ECDHE-ECDSA-AES256-GCM-SHA384 "$c" "negotiated cipher"
check_block test.example.org "$c"

# 3. RSA certificate: an ECDHE-RSA suite
py_session "$rsa_port" --ca "$CA" --sni localhost
case $c in ECDHE-RSA-*) ;; *) fail "unexpected cipher with the RSA key [$c]" ;; esac
check_block localhost "$c"

# 4. openssl s_client, explicit SNI and suite
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
  'expect ^Verification: OK' \
  'send XECHO s_client' 'expect ^250 s_client$' 'send QUIT' 'expect ^221 ' 'exit any' \
  -- openssl s_client -starttls smtp -connect "127.0.0.1:$ec_port" -CAfile "$CA" \
       -verify_return_error -servername test.example.org -cipher ECDHE-ECDSA-AES128-GCM-SHA256 \
       -brief -crlf -ign_eof >"$T/sclient.log" 2>&1 \
  || fail "openssl s_client session failed"
assert_file_contains "$T/sclient.log" "Ciphersuite: ECDHE-ECDSA-AES128-GCM-SHA256"
check_block test.example.org ECDHE-ECDSA-AES128-GCM-SHA256

# 5. openssl s_client without SNI
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
  'expect ^Verification: OK' \
  'send QUIT' 'expect ^221 ' 'exit any' \
  -- openssl s_client -starttls smtp -connect "127.0.0.1:$rsa_port" -CAfile "$CA" \
       -verify_return_error -noservername -cipher ECDHE-RSA-AES256-GCM-SHA384 \
       -brief -crlf -ign_eof >"$T/sclient.log" 2>&1 \
  || fail "openssl s_client session (no SNI) failed"
check_block "" ECDHE-RSA-AES256-GCM-SHA384
pass
