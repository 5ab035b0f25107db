#!/bin/bash
# smtpd-no-ucspitls: run without a UCSPI-TLS server in front (no SSLCTLFD
# and friends), starttls-smtpd says so once on stderr, offers no STARTTLS,
# answers one with "454 4.7.0 TLS not available", and relays the plaintext
# session as it is.  With -r nothing can be sent, and it is refused.
. "$(dirname "$0")/lib.sh"
exim_conf
start_tcpserver plain "$APPS/record-exit" "$T/plain.status" starttls-smtpd "${EXIM[@]}"

with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO c.example' 'reply 250' \
  'send STARTTLS' 'reply 454 ^454 4.7.0 TLS not available$' \
  'send MAIL FROM:<plain@example.org>' 'reply 250' \
  'send QUIT' 'reply 221' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 5 "$T/py.log")"
grep -q '^S: 250.STARTTLS' "$T/py.log" && fail "STARTTLS offered without a UCSPI-TLS server"
grep -q '^S: 250.CHUNKING' "$T/py.log" && fail "CHUNKING offered"
assert_file_contains "$T/plain.err" "starttls-smtpd: warning: not run under a UCSPI-TLS server"
assert_file_contains "$EXIM_LOG" "mail from=<plain@example.org> tls=none"
wait_lines "$T/plain.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/plain.status")" "starttls-smtpd's exit status"
stop plain

start_tcpserver req starttls-smtpd -r "${EXIM[@]}"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO c.example' 'reply 250' \
  'send MAIL FROM:<req@example.org>' 'reply 530' \
  'send QUIT' 'reply 221' eof \
  >"$T/py2.log" 2>&1 || fail "-r session failed: $(tail -n 5 "$T/py2.log")"
assert_file_not_contains "$EXIM_LOG" "req@example.org" "exim's log"
pass
