#!/bin/bash
# smtpd-server-gone: when the server ends while it still owes the client a
# reply -- it died, or could not be executed at all -- the client gets
# "421 4.3.0 Server ended, closing connection" (after whatever the server
# wrote last, even without its line end) instead of waiting, and
# starttls-smtpd exits with the server's status (127: not found).
. "$(dirname "$0")/lib.sh"

start_tcpserver none "$APPS/record-exit" "$T/none.status" starttls-smtpd /nonexistent/smtpd
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" 'reply 421 ^421 4.3.0 Server ended' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 5 "$T/py.log")"
wait_lines "$T/none.status" 1
assert_eq "exit 127" "$(sed -n 1p "$T/none.status")" "starttls-smtpd's exit status"
assert_file_contains "$T/none.err" "starttls-smtpd: fatal: unable to exec /nonexistent/smtpd"

cat >"$T/dies.sh" <<'SHEOF'
printf '220 dies.example ESMTP\r\n'
read -r line
printf '250-half a reply'
exit 3
SHEOF
start_tcpserver dies "$APPS/record-exit" "$T/dies.status" starttls-smtpd sh "$T/dies.sh"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" 'reply 220' 'send EHLO c.example' \
  'line ^250-half a reply$' 'reply 421 ^421 4.3.0 Server ended' eof \
  >"$T/py2.log" 2>&1 || fail "session failed: $(tail -n 5 "$T/py2.log")"
wait_lines "$T/dies.status" 1
assert_eq "exit 3" "$(sed -n 1p "$T/dies.status")" "starttls-smtpd's exit status"
pass
