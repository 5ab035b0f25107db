#!/bin/bash
# smtpd-curl: curl --ssl-reqd sends a message through starttls-smtpd: it
# verifies the certificate (name localhost), switches to TLS, and the
# message reaches exim's spool whole, with the cipher in its X-TLS header.
# Body lines that look like commands (STARTTLS, MAIL FROM, a lone dot
# after dot-stuffing) are body, not commands.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

printf '%s\r\n' "Subject: smtpd-curl" "" "first line" "STARTTLS" "MAIL FROM:<not@a.command>" \
  "." ".. two dots" "last line" >"$T/msg.txt"
with_timeout 30 curl -sS -v --ssl-reqd --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" \
  "smtp://localhost:$PORT" --mail-from a@example.org --mail-rcpt b@mx.test -T "$T/msg.txt" \
  >"$T/curl.log" 2>&1 || fail "curl failed: $(tail -n 5 "$T/curl.log")"
assert_file_contains "$T/curl.log" "> STARTTLS"
grep -q '^< 250 OK id=' "$T/curl.log" || fail "curl got no 250 for its message"

h=$(grep -l 'Subject: smtpd-curl' "$EXIM_SPOOL"/*-H 2>/dev/null)
[ -n "$h" ] || fail "message not in exim's spool"
assert_file_contains "$h" "X-TLS: ECDHE-" "queued message header"
# the -D file: its name line, then the body as exim stored it
tail -n +2 "${h%-H}-D" >"$T/body"
printf '%s\n' "first line" "STARTTLS" "MAIL FROM:<not@a.command>" "." ".. two dots" "last line" >"$T/expected"
cmp -s "$T/expected" "$T/body" || fail "body differs: [$(cat -A "$T/body")]"
assert_file_not_contains "$EXIM_LOG" "not@a.command" "exim's log"
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"
pass
