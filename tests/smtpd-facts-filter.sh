#!/bin/bash
# smtpd-facts-filter: the facts block comes from the UCSPI-TLS server's
# TLS process, which may be compromised: starttls-smtpd copies into the
# fresh server's environment only names of the fact family, SSL_ then
# letters, digits and underscores.  A block (tests/apps/ucspitls-server.py
# --style s6 --extra) that also sets LD_PRELOAD, PATH, IFS, a name with a
# dash, a lower-case ssl_ name and one with a control byte sets none of
# them: each is dropped with one warning line that names it (the control
# byte shown as '?'), while SSL_PROTOCOL, SSL_CIPHER and an unknown but
# well-formed SSL_ name reach the server.  The session goes on.
. "$(dirname "$0")/lib.sh"
certs

QMAIL_ENVDUMP=$T/env start_ucspitls_server srv s6 \
  --extra LD_PRELOAD=/nonexistent/evil.so --extra PATH=/evil --extra 'IFS=/' \
  --extra SSL_BAD-NAME=1 --extra ssl_lower=1 --extra "$(printf 'SSL_\001CTL=1')" \
  --extra SSL_FUTURE_FACT=1
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO c.example' 'reply 250' 'send STARTTLS' 'reply 220' tls \
  'send EHLO c.example' 'reply 250' 'send QUIT' 'reply 221' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 3 "$T/py.log")"
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status"

plain=$(awk '/^instance /{ n++ } n == 1' "$T/env")
tls=$(awk '/^instance /{ n++ } n == 2' "$T/env")
[ -n "$tls" ] || fail "no server ran inside TLS"
assert_contains "$tls" "SSL_PROTOCOL='TLSv1." "the server's environment inside TLS"
assert_contains "$tls" "SSL_FUTURE_FACT='1'" "the server's environment inside TLS"
for v in LD_PRELOAD SSL_BAD-NAME ssl_lower IFS; do
  printf '%s\n' "$tls" | grep -q "^$v=" && fail "$v is in the server's environment: $(printf '%s\n' "$tls" | grep "^$v=")"
done
printf '%s\n' "$tls" | grep -q "CTL=" && fail "the name with a control byte is in the server's environment"
assert_eq "$(printf '%s\n' "$plain" | grep '^PATH=')" "$(printf '%s\n' "$tls" | grep '^PATH=')" "PATH inside TLS"

for v in LD_PRELOAD PATH IFS SSL_BAD-NAME ssl_lower 'SSL_?CTL'; do
  assert_eq 1 "$(grep -cxF "starttls-smtpd: warning: dropped from the facts block: $v (not an SSL_ name)" "$T/srv.err")" \
    "warnings for $v"
done
assert_eq 6 "$(grep -c '^starttls-smtpd: ' "$T/srv.err")" "starttls-smtpd's messages"
pass
