#!/bin/bash
# smtpd-pipelining: PIPELINING (RFC 2920) through starttls-smtpd, before
# and after TLS.  MAIL, RCPT and DATA in one segment; the body, its dot
# and the next commands in another: the end of the DATA body is found
# wherever it falls, the commands after it are read as commands, every
# reply comes back in order, and exim (which checks the client's
# synchronisation) takes no offence.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO c.example' 'reply 250 ^250-PIPELINING$' \
  'sendraw MAIL FROM:<p1@example.org>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n' \
  'reply 250' 'reply 250' 'reply 354' \
  'sendraw Subject: p1\r\n\r\nplain body\r\n.\r\nRSET\r\n' \
  'reply 250 ^250 OK id=' 'reply 250 ^250 Reset OK$' \
  'send STARTTLS' 'reply 220' tls \
  'send EHLO c.example' 'reply 250 ^250-PIPELINING$' \
  'sendraw MAIL FROM:<p2@example.org>\r\nRCPT TO:<b@mx.test>\r\nRCPT TO:<c@mx.test>\r\nDATA\r\n' \
  'reply 250' 'reply 250' 'reply 250' 'reply 354' \
  'sendraw Subject: p2\r\n\r\nbody one\r\n.\r\nMAIL FROM:<p3@example.org>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n' \
  'reply 250 ^250 OK id=' 'reply 250' 'reply 250' 'reply 354' \
  'sendraw Subject: p3\r\n\r\nbody two\r\n.\r\nQUIT\r\n' \
  'reply 250 ^250 OK id=' 'reply 221' eof \
  >"$T/py.log" 2>&1 || fail "pipelined session failed: $(tail -n 5 "$T/py.log")"
assert_file_contains "$EXIM_LOG" "mail from=<p1@example.org> tls=none"
assert_file_contains "$EXIM_LOG" "mail from=<p2@example.org> tls=ECDHE-"
assert_file_contains "$EXIM_LOG" "mail from=<p3@example.org> tls=ECDHE-"
assert_eq 3 "$(grep -c ' <= p[123]@example.org ' "$EXIM_LOG")" "messages queued"
assert_file_not_contains "$EXIM_LOG" "synchronization error" "exim's log"
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"
pass
