#!/bin/bash
# client-cert: `ucspitlsc -y` sends the client certificate of
# CERTFILE/KEYFILE.  `ucspitlsd -y` (a certificate required) accepts it and
# tells its application SSL_PEER_CERT_SUBJECT=O=Test,CN=client and the
# certificate's hash, in immediate mode (environment) and in delayed mode
# (the Y block).  Without -y (or with -Y, the default) no certificate goes
# out: `ucspitlsd -y` refuses the session with exit 98 and the client's
# handshake fails (98) too.  `openssl s_server -Verify` checks the same
# certificate independently.  -y without CERTFILE is a configuration error.
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA
client_hash=SHA256:$(cert_sha256 "$CLIENT_CERT")
# the subject is written as RFC 4514 says, last RDN first: the certificate
# was made with -subj /CN=client/O=Test, so O=Test,CN=client (OpenSSL's
# RFC 2253 form gives the same, computed here independently)
subject=$(openssl x509 -in "$CLIENT_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
assert_eq "O=Test,CN=client" "$subject" "the client certificate's subject, RFC 4514"

# 1. immediate mode on both sides; the server's application reports what it
# knows about the client
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_LOG=$T/app-i.log \
  start_tcpserver srvi "$APPS/record-exit" "$T/srvi.status" ucspitlsd -i -y "$PY" "$APPS/smtpish.py"

# ask CERTOPTS... -- one session through ucspitlsc -i, asking the server's
# application for the client facts; the answers in $T/ask.out
ask() {
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -i -k localhost "$@" \
    bash -c 'env >"$1.env"
             printf "XENV SSL_PEER_CERT_SUBJECT\r\nXENV SSL_PEER_CERT_HASH\r\nQUIT\r\n" >&7
             exec 7>&-
             exec timeout 20 cat <&6' prog "$T/ask" >"$T/ask.out" 2>"$T/ask.err"
}

CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY ask -y || fail "session with -y refused ($?): $(cat "$T/ask.err")"
tr -d '\r' <"$T/ask.out" >"$T/ask.txt"
assert_eq "220 localhost ESMTP smtpish
250 SSL_PEER_CERT_SUBJECT=$subject
250 SSL_PEER_CERT_HASH=$client_hash
221 2.0.0 Bye" "$(cat "$T/ask.txt")" "what ucspitlsd -y told its application"
# the client's own facts still describe the server; its key stays hidden
assert_file_contains "$T/ask.env" "SSL_PEER_CERT_SUBJECT=CN=localhost"
assert_file_not_contains "$T/ask.env" "CERTFILE=" "prog's environment"
assert_file_not_contains "$T/ask.env" "KEYFILE=" "prog's environment"
wait_lines "$T/srvi.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srvi.status")" "ucspitlsd -i -y with a client certificate"

# 2. no -y: no certificate, refused by the server (98) and failed on the
# client (98, prog never runs); the same with an explicit -Y
n=1
for opt in "" -Y; do
  n=$((n + 1))
  rm -f "$T/ask.env"
  CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY ask $opt
  assert_eq 98 "$?" "client exit status without a certificate ($opt)"
  [ ! -e "$T/ask.env" ] || fail "prog ran although the handshake failed ($opt)"
  # (BearSSL's server sends no alert: the client sees the connection close)
  grep -q '^ucspitlsc: fatal: TLS handshake failed: ' "$T/ask.err" \
    || fail "client message without a certificate ($opt): [$(cat "$T/ask.err")]"
  wait_lines "$T/srvi.status" "$n"
  assert_eq "exit 98" "$(sed -n "${n}p" "$T/srvi.status")" "ucspitlsd -i -y without a client certificate ($opt)"
done
assert_file_contains "$T/srvi.err" "ucspitlsd: fatal: "
stop srvi

# 3. delayed mode on both sides: the client app (shell) switches with y;
# the server's application asks with Y and finds the client in the block
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_LOG=$T/app-d.log TEST_STATUS_FILE=$T/srvd.status \
  TEST_YBLOCK_FILE=$T/srvd.block start_tcpserver srvd ucspitlsd -y "$PY" "$APPS/smtpish.py" Y
CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY with_timeout 40 tcpclient -RHl0 127.0.0.1 "$PORT" \
  ucspitlsc -y -k localhost "$PY" "$APPS/client-waitchild.py" "$T/cd.status" \
  "$APPS/client-smtp" y "$T/cd.log" >"$T/cd.out" 2>"$T/cd.err" \
  || fail "delayed session with -y failed"
assert_eq "prog exit 0
tls exit 0" "$(cat "$T/cd.status")" "client statuses, delayed -y"
wait_lines "$T/srvd.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srvd.status")" "ucspitlsd -y, delayed"
facts=$(tr '\0' '\n' <"$T/srvd.block")
assert_contains "$facts" "SSL_PEER_CERT_SUBJECT=$subject" "the server's Y block"
assert_contains "$facts" "SSL_PEER_CERT_HASH=$client_hash" "the server's Y block"
assert_file_contains "$T/app-d.log" "cmd MAIL FROM:<client@client.example>"

# without -y the delayed client's TLS child fails (98) and so does the server's
CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY with_timeout 40 tcpclient -RHl0 127.0.0.1 "$PORT" \
  ucspitlsc -k localhost "$PY" "$APPS/client-waitchild.py" "$T/cd2.status" \
  "$APPS/client-smtp" y "$T/cd2.log" >"$T/cd2.out" 2>"$T/cd2.err"
assert_eq "prog exit 1
tls exit 98" "$(cat "$T/cd2.status")" "client statuses, delayed, no certificate"
assert_file_not_contains "$T/cd2.log" "S: 250 2.1.0 Ok" "client log, no certificate"
wait_lines "$T/srvd.status" 2
assert_eq "exit 98" "$(sed -n 2p "$T/srvd.status")" "ucspitlsd -y, delayed, no certificate"
stop srvd

# 4. an independent check: openssl s_server -Verify requires the
# certificate, verifies it against the CA, and shows it on its page
port=$(free_port)
start_bg sserver openssl s_server -accept "127.0.0.1:$port" -cert "$SRV_CERT" -key "$SRV_KEY" \
  -Verify 1 -CAfile "$CA" -verify_return_error -www
wait_port "$port"
CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" \
  ucspitlsc -i -y -k localhost sh -c 'printf "GET / HTTP/1.0\r\n\r\n" >&7; exec 7>&-; exec cat <&6' \
  >"$T/page" 2>"$T/page.err" || fail "s_server -Verify refused the client certificate"
assert_file_contains "$T/page" "Client certificate"
assert_file_contains "$T/page" "Subject: CN=client, O=Test"
CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" \
  ucspitlsc -i -k localhost sh -c 'touch "$1"' prog "$T/ran" 2>"$T/page2.err"
assert_eq 98 "$?" "client without -y against s_server -Verify"
[ ! -e "$T/ran" ] || fail "prog ran although s_server refused the handshake"
assert_file_contains "$T/page2.err" "ucspitlsc: fatal: TLS handshake failed: "

# 5. -y without CERTFILE or KEYFILE: a configuration error, 96
(unset CERTFILE KEYFILE; ucspitlsc -y -k localhost true) 2>"$T/nocert.err"
assert_eq 96 "$?" "-y without CERTFILE"
assert_file_contains "$T/nocert.err" "ucspitlsc: fatal: CERTFILE not set"
(CERTFILE=$CLIENT_CERT; export CERTFILE; unset KEYFILE; ucspitlsc -y -k localhost true) 2>"$T/nokey.err"
assert_eq 96 "$?" "-y without KEYFILE"
assert_file_contains "$T/nokey.err" "ucspitlsc: fatal: KEYFILE not set"
pass
