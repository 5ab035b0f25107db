#!/bin/bash
# pop3d-qmail: starttls-pop3d in front of qmail-popup + checkpassword +
# qmail-pop3d (tests/apps/qmail-popup.py and qmail-pop3d.py stand for
# them), which have neither CAPA nor STLS.  Before TLS: the greeting
# loses its APOP timestamp, CAPA is answered by the adapter (STLS, and
# USER only with -p), USER is refused unless -p.  After STLS, a fresh
# qmail-popup (its greeting dropped) runs on the TLS stream: CAPA is the
# server's own answer, USER/PASS run the checkpassword program with the
# session facts in its environment, a message is listed and fetched.
. "$(dirname "$0")/lib.sh"
certs
mkdir -p "$T/Maildir" && printf 'Subject: hi\n\nline\n.dot line\n' >"$T/Maildir/1" || fail "no maildir"
start_pop3d_prog srv -- "$PY" "$APPS/qmail-popup.py" pop.test \
  "$PY" "$APPS/qmail-pop3d.py" alice secret "$T/Maildir" "$T/env"

with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'line ^\+OK$' \
  'send CAPA' 'line ^\+OK ' 'line ^STLS$' 'line ^\.$' \
  'send USER alice' 'line ^-ERR Cleartext login refused' \
  'send APOP alice 0123456789abcdef0123456789abcdef' 'line ^-ERR Cleartext login refused' \
  'send STLS' 'line ^\+OK Begin TLS' tls \
  'send CAPA' 'line ^-ERR authorization first$' \
  'send STLS' 'line ^-ERR Command not permitted when TLS active' \
  'send USER alice' 'line ^\+OK' 'send PASS secret' 'line ^\+OK' \
  'send STAT' 'line ^\+OK 1 ' \
  'send LIST' 'line ^\+OK' 'line ^1 [0-9]+$' 'line ^\.$' \
  'send RETR 1' 'line ^\+OK' 'line ^Subject: hi$' 'line ^$' 'line ^line$' 'line ^\.\.dot line$' 'line ^\.$' \
  'send QUIT' 'line ^\+OK' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 5 "$T/py.log")"
assert_file_contains "$T/env" "SSL_PROTOCOL=TLSv1."
assert_file_contains "$T/env" "SSL_CIPHER="
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-pop3d's exit status"

# -p: USER allowed before TLS, and CAPA says so
stop srv
rm -f "$T/env"
start_pop3d_prog srv2 -p -- "$PY" "$APPS/qmail-popup.py" pop.test \
  "$PY" "$APPS/qmail-pop3d.py" alice secret "$T/Maildir" "$T/env"
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'line ^\+OK$' \
  'send CAPA' 'line ^\+OK ' 'line ^USER$' 'line ^STLS$' 'line ^\.$' \
  'send USER alice' 'line ^\+OK' 'send PASS secret' 'line ^\+OK' \
  'send STLS' 'line ^-ERR Command not permitted outside the AUTHORIZATION state' \
  'send QUIT' 'line ^\+OK' eof \
  >"$T/py2.log" 2>&1 || fail "-p session failed: $(tail -n 5 "$T/py2.log")"
assert_file_not_contains "$T/env" "SSL_PROTOCOL"
pass
