#!/bin/bash
# smtpd-limits: a command line longer than starttls-smtpd takes (4096
# bytes with its CRLF) gets "500 5.5.2 Line too long", is never passed on,
# and the session goes on with the next line; before and after TLS.  A
# client silent for longer than -t seconds gets "421 4.4.2" and the
# connection ends (exit 99), before and after TLS, with exim ended too.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv -t 2

long=$(head -c 5000 /dev/zero | tr '\0' x)
ok=$(head -c 4000 /dev/zero | tr '\0' y)
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO c.example' 'reply 250' \
  "sendraw RSET\\r\\nNOOP $long\\r\\nRSET\\r\\n" \
  'reply 250 ^250 Reset OK$' 'reply 500 ^500 5.5.2 Line too long$' 'reply 250 ^250 Reset OK$' \
  "send NOOP $ok" 'reply 250' \
  'send STARTTLS' 'reply 220' tls 'send EHLO c.example' 'reply 250' \
  "send MAIL FROM:<$long@example.org>" 'reply 500 ^500 5.5.2 Line too long$' \
  'send RSET' 'reply 250 ^250 Reset OK$' \
  'reply 421 ^421 4.4.2 ' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 5 "$T/py.log")"
assert_file_not_contains "$EXIM_LOG" "$long" "exim's log"
wait_lines "$T/srv.status" 1
assert_eq "exit 99" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status after the time-out"

# idle in plaintext, from the greeting on
start=$(date +%s)
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" 'reply 220' 'reply 421 ^421 4.4.2 ' eof \
  >"$T/py2.log" 2>&1 || fail "plaintext time-out: $(tail -n 5 "$T/py2.log")"
secs=$(( $(date +%s) - start ))
[ "$secs" -ge 1 ] && [ "$secs" -le 6 ] || fail "time-out after ${secs}s, not about 2"
wait_lines "$T/srv.status" 2
assert_eq "exit 99" "$(sed -n 2p "$T/srv.status")" "starttls-smtpd's exit status after the time-out"
assert_file_contains "$T/srv.err" "starttls-smtpd: warning: client timed out"
wait_for 5 _no_strays exim4 || fail "exim still running: $(_strays exim4)"
pass
