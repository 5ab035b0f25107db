#!/bin/bash
# smtpd-required: with -r, TLS is required.  Before STARTTLS, MAIL, RCPT,
# DATA, AUTH (and BDAT) get "530 5.7.0 Must issue a STARTTLS command
# first" from starttls-smtpd and never reach the server; other commands
# do, and pipelined replies stay in order.  swaks without --tls is
# refused; swaks --tls sends its message.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv -r

# swaks in plaintext: its MAIL FROM is refused, nothing is queued
with_timeout 30 swaks --server "127.0.0.1:$PORT" --from a@example.org --to b@mx.test \
  --header "Subject: smtpd-required plain" >"$T/swaks-plain.log" 2>&1 \
  && fail "swaks in plaintext succeeded under -r"
assert_file_contains "$T/swaks-plain.log" "<** 530 5.7.0 Must issue a STARTTLS command first"

# pipelined, in one segment: ours and the server's replies interleave in order
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
  'sendraw RSET\r\nMAIL FROM:<a@example.org>\r\nRSET\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nAUTH PLAIN AGEAYg==\r\nBDAT 4 LAST\r\nRSET\r\nHELP\r\n' \
  'reply 250 ^250 Reset OK' \
  'reply 530 ^530 5.7.0 Must issue a STARTTLS command first$' \
  'reply 250 ^250 Reset OK' \
  'reply 530 ^530 5.7.0' 'reply 530 ^530 5.7.0' 'reply 530 ^530 5.7.0' 'reply 530 ^530 5.7.0' \
  'reply 250 ^250 Reset OK' \
  'reply 214' \
  'send STARTTLS' 'reply 220 ^220 2.0.0 Ready to start TLS$' tls \
  'send EHLO c.example' 'reply 250' \
  'send MAIL FROM:<tls@example.org>' 'reply 250' \
  'send QUIT' 'reply 221' eof \
  >"$T/py.log" 2>&1 || fail "pipelined session failed: $(tail -n 5 "$T/py.log")"

# swaks --tls: accepted
with_timeout 30 swaks --tls --server "127.0.0.1:$PORT" --from c@example.org --to d@mx.test \
  --header "Subject: smtpd-required tls" >"$T/swaks.log" 2>&1 \
  || fail "swaks --tls failed under -r: $(tail -n 5 "$T/swaks.log")"
grep -l 'Subject: smtpd-required tls' "$EXIM_SPOOL"/*-H >/dev/null 2>&1 || fail "message not queued"
grep -l 'Subject: smtpd-required plain' "$EXIM_SPOOL"/*-H >/dev/null 2>&1 && fail "plaintext message queued"

# exim saw no MAIL command in plaintext, and both inside TLS
assert_file_not_contains "$EXIM_LOG" "tls=none" "exim's log"
assert_file_contains "$EXIM_LOG" "mail from=<tls@example.org> tls=ECDHE-" "exim's log"
assert_file_contains "$EXIM_LOG" "mail from=<c@example.org> tls=ECDHE-" "exim's log"
pass
