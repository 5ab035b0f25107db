#!/bin/bash
# swaks-tls: a whole mail transaction from swaks with --tls (STARTTLS
# required, certificate verified against the test CA) through ucspitlsd to
# the SMTP-like application: EHLO, STARTTLS, EHLO, MAIL, RCPT, DATA, QUIT.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log
start_tcpserver srv ucspitlsd "$PY" "$APPS/smtpish.py" y

with_timeout 60 swaks --server "127.0.0.1:$PORT" --tls --tls-verify --tls-ca-path "$CA" \
  --tls-sni localhost --helo swaks.example --from sender@example.org --to rcpt@example.org \
  --header "Subject: ucspitls swaks test" --body "hello through TLS" \
  --timeout 20 >"$T/swaks.log" 2>&1
rc=$?
assert_eq 0 "$rc" "swaks exit status"
assert_file_contains "$T/swaks.log" "<-  220 2.0.0 Ready to start TLS"
grep -q '^=== TLS started with cipher TLSv1.2:ECDHE-ECDSA-' "$T/swaks.log" \
  || fail "swaks did not start TLS 1.2 with ECDHE-ECDSA"
# after the switch swaks marks lines ~> / <~ (encrypted)
assert_file_contains "$T/swaks.log" " ~> EHLO swaks.example"
assert_file_contains "$T/swaks.log" " ~> MAIL FROM:<sender@example.org>"
assert_file_contains "$T/swaks.log" "<~  250 2.0.0 Ok: queued"
assert_file_contains "$T/swaks.log" "<~  221 2.0.0 Bye"
wait_lines "$T/status" 1
assert_eq "exit 0" "$(cat "$T/status")" "TLS child status"
assert_file_contains "$T/app.log" "cmd RCPT TO:<rcpt@example.org>"
grep -q '^data [1-9]' "$T/app.log" || fail "the app received no message data"
pass
