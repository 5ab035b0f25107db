#!/bin/bash
# smtpd-injection: STARTTLS command injection (CVE-2011-0411).  Bytes that
# follow a STARTTLS line in the same read came in the clear, maybe from an
# attacker: STARTTLS is refused with 554, and those bytes are read as the
# plaintext commands that they are -- answered in plaintext, never inside
# TLS.  A later STARTTLS, alone, works.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

# STARTTLS and RSET in one segment: 554, then RSET's reply in plaintext
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
  'sendraw STARTTLS\r\nRSET\r\n' \
  'reply 554 ^554 5.5.1 Error: pipelined input after STARTTLS$' \
  'reply 250 ^250 Reset OK$' \
  'send STARTTLS' 'reply 220 ^220 2.0.0 Ready to start TLS$' tls \
  'send EHLO c.example' 'reply 250' 'send QUIT' 'reply 221' eof \
  >"$T/py.log" 2>&1 || fail "STARTTLS+RSET session failed: $(tail -n 5 "$T/py.log")"
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"
assert_file_contains "$T/srv.err" "starttls-smtpd: warning: STARTTLS refused"

# the classic: a MAIL FROM injected behind STARTTLS is the plaintext
# session's, refused there as any plaintext MAIL is under -r
stop srv
start_smtpd srv2 -r
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
  'sendraw STARTTLS\r\nMAIL FROM:<evil@attacker.example>\r\n' \
  'reply 554 ^554 5.5.1' \
  'reply 530 ^530 5.7.0' \
  'send QUIT' 'reply 221' eof \
  >"$T/py2.log" 2>&1 || fail "STARTTLS+MAIL session failed: $(tail -n 5 "$T/py2.log")"
assert_file_not_contains "$EXIM_LOG" "evil@attacker.example" "exim's log"
pass
