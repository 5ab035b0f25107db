#!/bin/bash
# smtpd-sslserver-n: starttls-smtpd under a UCSPI-TLS server that behaves
# as ucspi-ssl's sslserver -n (tests/apps/ucspitls-server.py): the facts
# block, written after "Y" as sslserver's ssl_server_env() makes it, ends
# at its empty string and the control channel is never closed after it.
# starttls-smtpd takes that end as the end, and the session goes on in
# TLS at once; with RSA-4096 certificates in PEM the block is under 4 KiB
# without a client certificate and over it with one, and both are taken
# whole: the fresh server finds SSL_SERVER_CERT, and SSL_CLIENT_S_DN and
# SSL_CLIENT_CERT.  A block longer than 65536 bytes is refused: exit 98,
# nothing more in plaintext.
. "$(dirname "$0")/lib.sh"
certs

openssl req -x509 -newkey rsa:4096 -nodes -keyout "$T/big.key" -subj /CN=localhost \
  -days 2 -out "$T/big.pem" >"$T/req.log" 2>&1 || fail "cannot make an RSA-4096 certificate"
QMAIL_ENVDUMP=$T/env start_ucspitls_server srv sslserver-n \
  --cert "$T/big.pem" --key "$T/big.key" --ca "$T/big.pem"

session() {  # n [tlsclient options]
  local n=$1; shift
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" "$@" \
    'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
    'send STARTTLS' 'reply 220' tls \
    'send EHLO c.example' 'reply 250' \
    "send MAIL FROM:<s$n@example.org>" 'reply 250' 'send RCPT TO:<b@mx.test>' 'reply 250' \
    'send DATA' 'reply 354' 'sendraw Subject: x\r\n\r\nbody\r\n.\r\n' 'reply 250' \
    'send QUIT' 'reply 221' eof \
    >"$T/py$n.log" 2>&1 || fail "session $n failed: $(tail -n 3 "$T/py$n.log")"
  wait_lines "$T/srv.status" "$n"
  assert_eq "exit 0" "$(sed -n "${n}p" "$T/srv.status")" "starttls-smtpd's exit status, session $n"
}

# the environment of the last server instance in $T/env
last_env() { awk '/^instance /{ b = "" } { b = b $0 "\n" } END { printf "%s", b }' "$T/env"; }
blocksize() { sed -n 's/^block \([0-9]*\) bytes$/\1/p' "$T/srv.log" | sed -n "${1}p"; }

session 1
[ "$(blocksize 1)" -lt 4096 ] || fail "session 1: the block is not under 4 KiB: $(blocksize 1)"
env1=$(last_env)
assert_contains "$env1" "SSL_PROTOCOL='TLSv1." "session 1: the server's environment"
assert_contains "$env1" "SSL_SERVER_CERT='-----BEGIN CERTIFICATE-----\\n" "session 1: the server's environment"
assert_contains "$env1" "SSL_VERSION_INTERFACE='ucspi-ssl'" "session 1: the server's environment"
assert_not_contains "$env1" "SSLCTLFD" "session 1: the server's environment"

session 2 --cert "$T/big.pem" --key "$T/big.key"
[ "$(blocksize 2)" -gt 4097 ] || fail "session 2: the block is not over 4 KiB: $(blocksize 2)"
env2=$(last_env)
assert_contains "$env2" "SSL_CLIENT_S_DN='/CN=localhost'" "session 2: the server's environment"
assert_contains "$env2" "SSL_CLIENT_CERT='-----BEGIN CERTIFICATE-----\\n" "session 2: the server's environment"
assert_file_not_contains "$T/srv.err" "starttls-smtpd: " "starttls-smtpd's messages"

# a block past the bound
pad=$(head -c 70000 /dev/zero | tr '\0' x)
start_ucspitls_server big sslserver-n --extra "SSL_PAD=$pad"
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO c.example' 'reply 250' 'send STARTTLS' 'reply 220' tls \
  'send EHLO c.example' 'readall' >"$T/py3.log" 2>&1
sed '1,/^tls /d' "$T/py3.log" | grep -a '^S: [0-9][0-9][0-9]' && fail "a reply came after a block too long"
wait_lines "$T/big.status" 1
assert_eq "exit 98" "$(sed -n 1p "$T/big.status")" "starttls-smtpd's exit status after a block too long"
assert_file_contains "$T/big.err" "starttls-smtpd: fatal: the facts block from the UCSPI-TLS server is longer than 65536 bytes"
pass
