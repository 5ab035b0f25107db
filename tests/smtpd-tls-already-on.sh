#!/bin/bash
# smtpd-tls-already-on: under a UCSPI-TLS server that behaves as ucspi-ssl's
# sslserver without -n, with -s (tests/apps/ucspitls-server.py --style
# sslserver --sslenv), TLS is on before starttls-smtpd runs: fds 0 and 1
# are the decrypted stream and SSL_PROTOCOL is set, yet SSLCTLFD,
# SSLREADFD and SSLWRITEFD are there too (the last two naming fds that
# were moved to 0 and 1).  starttls-smtpd then offers no STARTTLS, answers
# one with "503 5.5.1 TLS already active" (as inside its own TLS), lets -r
# pass since TLS is on, and the server gets the session facts but none of
# the three variables and none of their fds.
. "$(dirname "$0")/lib.sh"
certs

QMAIL_ENVDUMP=$T/env start_ucspitls_server srv sslserver --sslenv -- -r
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls \
  'reply 220' 'send EHLO c.example' 'reply 250' \
  'send STARTTLS' 'reply 503 ^503 5.5.1 TLS already active$' \
  'send MAIL FROM:<on@example.org>' 'reply 250' 'send RCPT TO:<b@mx.test>' 'reply 250' \
  'send DATA' 'reply 354' 'sendraw Subject: x\r\n\r\nbody\r\n.\r\n' 'reply 250' \
  'send QUIT' 'reply 221' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 3 "$T/py.log")"
grep -q '^S: 250.STARTTLS' "$T/py.log" && fail "STARTTLS offered under TLS: $(grep '^S: 250' "$T/py.log")"
assert_eq 1 "$(grep -c '^instance ' "$T/env")" "server instances"
env=$(cat "$T/env")
assert_contains "$env" "SSL_PROTOCOL='TLSv1." "the server's environment"
assert_contains "$env" "SSL_CIPHER='" "the server's environment"
for v in SSLCTLFD SSLREADFD SSLWRITEFD; do
  printf '%s\n' "$env" | grep -q "^$v=" && fail "$v is in the server's environment"
done
printf '%s\n' "$env" | grep -q '^fd ' && fail "the server inherited fds: $(grep '^fd ' "$T/env" | tr '\n' ' ')"
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"
assert_file_not_contains "$T/srv.err" "starttls-smtpd: " "starttls-smtpd's messages"
pass
