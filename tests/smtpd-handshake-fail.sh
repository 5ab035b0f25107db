#!/bin/bash
# smtpd-handshake-fail: after "220 Ready to start TLS", a client that
# sends plaintext instead of a ClientHello (or anything else that breaks
# the handshake) gets no answer in plaintext: the connection ends, the
# plaintext server is ended, starttls-smtpd exits 98, and what was sent
# never reaches a server.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
  'send STARTTLS' 'reply 220 ^220 2.0.0 Ready to start TLS$' \
  'send MAIL FROM:<evil@attacker.example>' 'readall' \
  >"$T/py.log" 2>&1
# the end comes as end-of-file or as a reset (the TLS layer leaves unread bytes)
grep -q '^eof$\|Connection reset' "$T/py.log" || fail "session failed: $(tail -n 5 "$T/py.log")"
# nothing in SMTP after the 220: at most a TLS alert
sed '1,/Ready to start TLS/d' "$T/py.log" | grep -a '^S: [0-9][0-9][0-9]' \
  && fail "an SMTP reply came after the handshake failed"
wait_lines "$T/srv.status" 1
assert_eq "exit 98" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"
assert_file_contains "$T/srv.err" "starttls-smtpd: fatal: TLS handshake failed"
assert_file_not_contains "$EXIM_LOG" "evil@attacker.example" "exim's log"
# no exim left behind
wait_for 5 _no_strays exim4 || fail "exim still running: $(_strays exim4)"
pass
