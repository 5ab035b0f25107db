#!/bin/bash
# imapd-options: starttls-imapd's -p and -r behind mailutils' imap4d.
# -p: LOGIN works before TLS, and the capability list keeps the server's
# AUTH= mechanisms with no LOGINDISABLED.  -r: before TLS everything but
# CAPABILITY, NOOP, LOGOUT and STARTTLS is refused with
# NO [PRIVACYREQUIRED]; after STARTTLS the same commands work.
. "$(dirname "$0")/lib.sh"
certs
start_imapd srv -p
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'line ^\* OK' 'send a CAPABILITY' 'line ^\* CAPABILITY .*AUTH=PLAIN.* STARTTLS$' 'line ^a OK' \
  'send b LOGIN alice@example.org secret' 'line ^b OK' \
  'send c STARTTLS' 'line ^c BAD Pipelined|^c OK' \
  >"$T/p.log" 2>&1 || :
grep -q "^S: b OK" "$T/p.log" || fail "-p: LOGIN before TLS failed: $(tail -n 5 "$T/p.log")"
assert_file_not_contains "$T/p.log" "LOGINDISABLED"
stop srv

start_imapd srv2 -r
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'line ^\* OK' 'send a SELECT INBOX' 'line ^a NO \[PRIVACYREQUIRED\] TLS required' \
  'send b NOOP' 'line ^b OK' \
  'send c STARTTLS' 'line ^c OK Begin TLS' tls \
  'send d LOGIN alice@example.org secret' 'line ^d OK' \
  'send e SELECT INBOX' 'line ^\* 1 EXISTS' \
  >"$T/r.log" 2>&1 || fail "-r session failed: $(tail -n 5 "$T/r.log")"
pass
