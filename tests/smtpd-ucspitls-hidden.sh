#!/bin/bash
# smtpd-ucspitls-hidden: UCSPITLS is for starttls-smtpd, not for the
# server behind it, which must neither try TLS nor offer STARTTLS itself.
# ucspitlsd sets it (empty) for starttls-smtpd; in front of s/qmail's
# qmail-smtpd (tests/apps/sqmail-smtpd.py, which would offer STARTTLS on
# seeing it), neither the server run before TLS nor the one run inside it
# gets it -- nor an operator's value ("!", which would make s/qmail
# refuse MAIL before its own TLS).  The client sees one STARTTLS offer,
# starttls-smtpd's, and the mail goes through.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY SQMAIL_LOG=$T/sq.log SQMAIL_RCPTHOSTS=example.org

# NAME: the operator's UCSPITLS (none, or "!")
for name in none bang; do
  : >"$SQMAIL_LOG"
  if [ $name = none ]; then op=(env -u UCSPITLS); else op=(env 'UCSPITLS=!'); fi
  start_tcpserver $name "${op[@]}" ucspitlsd -v2 starttls-smtpd "$PY" "$APPS/sqmail-smtpd.py"
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
    'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' 'send STARTTLS' 'reply 220' tls \
    'send EHLO c.example' 'reply 250' 'send MAIL FROM:<a@example.net>' 'reply 250' \
    'send RCPT TO:<postmaster@example.org>' 'reply 250' 'send QUIT' 'reply 221' eof \
    >"$T/$name.client" 2>&1 || fail "$name: $(tail -n 5 "$T/$name.client")"
  assert_eq 1 "$(grep -c '^S: 250.STARTTLS$' "$T/$name.client")" "$name: STARTTLS offers"
  assert_eq "setup UCSPITLS=(unset) starttls=0
setup UCSPITLS=(unset) starttls=0" "$(grep '^setup ' "$SQMAIL_LOG")" "$name: what the servers behind saw"
  stop $name
done
pass
