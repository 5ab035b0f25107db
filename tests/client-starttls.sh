#!/bin/bash
# client-starttls: outbound STARTTLS.  tcpclient connects to ucspitlsd
# (under tcpserver, in front of the SMTP-like smtpish); ucspitlsc runs a
# UCSPI-TLS client application written in shell (apps/client-smtp) that
# says EHLO, gets "220 Ready to start TLS", writes the control byte and
# then sends a whole message over SSLREADFD/SSLWRITEFD.  With `y` the
# control channel closes without a byte; with `Y` it carries the session
# facts, which describe the server's certificate (SSL_SERVER_*, checked
# by tests/apps/facts-check.py).  Both TLS children, the client's and the
# server's, end with exit 0.  Last, what prog is given in delayed mode
# (UCSPITLS among it, empty), and a decline.
. "$(dirname "$0")/lib.sh"
certs

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_LOG=$T/app.log TEST_STATUS_FILE=$T/srv.status \
  start_tcpserver srv ucspitlsd "$PY" "$APPS/smtpish.py" y
export CAFILE=$CA

# client N CTL -- one session; the app's log in $T/cN.log, its control
# block in $T/cN.block, both exit statuses in $T/cN.status
client() {
  TEST_MARKER="marker $1 for $2" with_timeout 40 \
    tcpclient -RHl0 127.0.0.1 "$PORT" \
    ucspitlsc -v2 -k localhost \
    "$PY" "$APPS/client-waitchild.py" "$T/c$1.status" \
    "$APPS/client-smtp" "$2" "$T/c$1.log" "$T/c$1.block" \
    >"$T/c$1.out" 2>"$T/c$1.err"
}

# body bytes smtpish counts: "Subject: client-smtp", "", the marker, CR LF each
body_len() { echo $(( ${#1} + 2 + 2 + 20 + 2 )); }

# 1. y: the transaction completes over TLS
client 1 y || fail "client session with y failed (exit $?)"
assert_eq "prog exit 0
tls exit 0" "$(cat "$T/c1.status")" "client-side statuses with y"
[ -f "$T/c1.block" ] && [ ! -s "$T/c1.block" ] \
  || fail "with y the control channel must close without a byte: [$(od -c "$T/c1.block" 2>&1)]"
assert_file_contains "$T/c1.log" "ctl sent y"
assert_file_contains "$T/c1.log" "S: 250 2.0.0 Ok: queued"
assert_file_contains "$T/c1.log" "S: 221 2.0.0 Bye"
# the server saw STARTTLS and then the whole transaction over TLS
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "server TLS child with y"
grep -A8 '^tls$' "$T/app.log" >"$T/app1.tls"
for l in "cmd EHLO client.example" "cmd MAIL FROM:<client@client.example>" \
         "cmd RCPT TO:<postmaster@example.org>" "cmd DATA" \
         "data $(body_len "marker 1 for y")" "cmd QUIT"; do
  assert_file_contains "$T/app1.tls" "$l" "server log after the switch"
done
# ucspitlsc -v2: one line at the end, for the name it checked
assert_file_contains "$T/c1.err" "ucspitlsc: info: peer=127.0.0.1:$PORT sni=localhost protocol=TLSv1.2 cipher=ECDHE-ECDSA-"
assert_file_contains "$T/c1.err" " end=ok"

# 2. Y: the same, and the facts block before end-of-file
client 2 Y || fail "client session with Y failed (exit $?)"
assert_eq "prog exit 0
tls exit 0" "$(cat "$T/c2.status")" "client-side statuses with Y"
assert_file_contains "$T/c2.log" "S: 221 2.0.0 Bye"
wait_lines "$T/srv.status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/srv.status")" "server TLS child with Y"
cipher=$(tr '\0' '\n' <"$T/c2.block" | sed -n 's/^SSL_CIPHER=//p')
case $cipher in
  ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-AES256-GCM-SHA384|ECDHE-ECDSA-CHACHA20-POLY1305) ;;
  *) fail "SSL_CIPHER in the block: [$cipher]" ;;
esac
# the server's certificate, as SSL_SERVER_* (CN=localhost, issued by the
# test CA), and the name ucspitlsc sent and checked
out=$("$PY" "$APPS/facts-check.py" --side c --tls "$cipher" --cert "$SRV_CERT" "$T/c2.block" \
  SSL_SERVER_S_DN=/CN=localhost SSL_SERVER_S_DN_CN=localhost \
  "SSL_SERVER_I_DN=/O=ucspitls tests/CN=ucspitls test CA" \
  SSL_PEER_CERT_SUBJECT=CN=localhost "SSL_PEER_CERT_HASH=SHA256:$(cert_sha256 "$SRV_CERT")" \
  SSL_TLS_SNI_SERVERNAME=localhost) || fail "Y facts block: $out"
assert_file_contains "$T/c2.err" "cipher=$cipher "
assert_file_contains "$T/app.log" "data $(body_len "marker 2 for Y")" "server log, second session"

# 3. what prog gets in delayed mode: the network on 6/7, the three
# UCSPI-TLS fds, nothing else, no configuration; closing them all
# declines TLS, and the TLS child exits 0 without touching the connection
TEST_STATUS_FILE=$T/c3.status with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" \
  ucspitlsc -v2 -k localhost "$PY" "$APPS/dumpenv.py" "$T/dump3" 2>"$T/c3.err" \
  || fail "delayed session with dumpenv failed"
wait_file "$T/c3.status"
assert_eq "exit 0" "$(cat "$T/c3.status")" "TLS child after a decline"
assert_file_contains "$T/c3.err" " end=declined"
ctl=$(sed -n 's/^env SSLCTLFD=//p' "$T/dump3")
rd=$(sed -n 's/^env SSLREADFD=//p' "$T/dump3")
wr=$(sed -n 's/^env SSLWRITEFD=//p' "$T/dump3")
[ -n "$ctl" ] && [ -n "$rd" ] && [ -n "$wr" ] || fail "SSLCTLFD/SSLREADFD/SSLWRITEFD missing: $(grep '^env SSL' "$T/dump3")"
want=$(printf '%s\n' "0 file rdonly" "1 file wronly" "2 file wronly" "6 tcp rdwr" "7 tcp rdwr" \
  "$ctl unix rdwr" "$rd pipe rdonly" "$wr pipe wronly" | sort -n | tr '\n' ,)
got=$(sed -n 's/^fd \([0-9]*\) [^ ]* \([a-z0-9]*\) \([a-z]*\)$/\1 \2 \3/p' "$T/dump3" | sort -n | tr '\n' ,)
assert_eq "$want" "$got" "prog's fds in delayed mode"
assert_file_not_contains "$T/dump3" "env CAFILE=" "prog's environment"
grep -qx 'env UCSPITLS=' "$T/dump3" || fail "UCSPITLS is not set empty in delayed mode: $(grep UCSPITLS "$T/dump3")"
pass
