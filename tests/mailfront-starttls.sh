#!/bin/bash
# mailfront-starttls: Debian's mailfront (/usr/sbin/mailfront, package
# mailfront; its plugin starttls-ucspi offers STARTTLS whenever UCSPITLS
# is set, whatever the value, and sends 'y') under `tcpserver ...
# ucspitlsd -v2 mailfront smtp echo starttls-ucspi accept`, with no
# UCSPITLS of the operator's:
#   - ucspitlsd sets UCSPITLS, so STARTTLS is offered: swaks --tls gets
#     "220 2.0.0 Ready to start TLS", TLS 1.2, and its message delivered
#     ("250 Received N bytes."; the echo backend logs it); the EHLO inside
#     TLS offers no STARTTLS; ucspitlsd's -v2 line says end=ok;
#   - the operator's UCSPITLS=- passes through (mailfront still offers);
#   - a command pipelined after STARTTLS, in the same packet, gets
#     mailfront's "500 5.5.1 Unexpected pipelined commands following
#     STARTTLS" as the first reply inside TLS;
#   - under ucspitlsd -i no STARTTLS is offered inside TLS, even when the
#     operator set UCSPITLS (as run scripts for other servers do).
. "$(dirname "$0")/lib.sh"
certs
[ -x /usr/sbin/mailfront ] \
  || fail "/usr/sbin/mailfront is missing: install Debian's mailfront package (package/deps-test lists it)"
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
mailfront=(env SMTPGREETING=mf.test /usr/sbin/mailfront smtp echo starttls-ucspi accept)

dialogue() { # NAME STEPS... -- tests/apps/tlsclient.py at $PORT, to $T/NAME.client
  local name=$1; shift
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost "$@" \
    >"$T/$name.client" 2>&1 || fail "$name: $(tail -n 5 "$T/$name.client")"
}
starttls_offers() { # NAME -- how many of the EHLO replies in $T/NAME.client offer STARTTLS
  grep -c '^S: 250.STARTTLS$' "$T/$1.client"
}

# 1. swaks --tls: a message delivered over TLS
start_tcpserver mf ucspitlsd -v2 "${mailfront[@]}"
with_timeout 60 swaks --server "127.0.0.1:$PORT" --tls --tls-verify --tls-ca-path "$CA" --tls-sni localhost \
  --helo swaks.example --from sender@example.net --to rcpt@example.org --timeout 20 \
  >"$T/swaks.log" 2>&1 || fail "swaks: $(tail -n 8 "$T/swaks.log")"
assert_file_contains "$T/swaks.log" "<-  250-STARTTLS"
assert_file_contains "$T/swaks.log" "<-  220 2.0.0 Ready to start TLS"
grep -q '^=== TLS started with cipher TLSv1\.2:ECDHE-ECDSA-' "$T/swaks.log" || fail "swaks did not start TLS 1.2"
if grep -q '^<~  250.STARTTLS' "$T/swaks.log"; then fail "STARTTLS offered inside TLS"; fi
grep -q '^<~  250 Received [0-9]* bytes\.' "$T/swaks.log" || fail "the message was not received: $(tail -n 8 "$T/swaks.log")"
assert_file_contains "$T/swaks.log" "<~  221 2.0.0 Good bye."
wait_for 10 grep -qF "]: RCPT TO:<rcpt@example.org>" "$T/mf.err" || fail "mailfront did not log the recipient: $(cat "$T/mf.err")"
wait_for 10 grep -q '^ucspitlsd: info: .* end=ok$' "$T/mf.err" || fail "ucspitlsd's -v2 line: $(cat "$T/mf.err")"

# 2. STARTTLS and MAIL in one packet: mailfront's 500 once TLS is up
dialogue pipelined 'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
  'sendraw STARTTLS\r\nMAIL FROM:<a@example.net>\r\n' 'reply 220' tls \
  'reply 500 ^500 5\.5\.1 Unexpected pipelined commands following STARTTLS$' \
  'send QUIT' 'reply 221' eof
stop mf

# 3. the operator's UCSPITLS=- reaches mailfront, which offers STARTTLS
start_tcpserver minus env UCSPITLS=- ucspitlsd -v2 "${mailfront[@]}"
dialogue minus 'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' 'send QUIT' 'reply 221' eof
stop minus

# 4. immediate mode: no STARTTLS inside TLS
for v in unset empty; do
  if [ $v = unset ]; then
    start_tcpserver "imm$v" ucspitlsd -i -v2 "${mailfront[@]}"
  else
    start_tcpserver "imm$v" env UCSPITLS= ucspitlsd -i -v2 "${mailfront[@]}"
  fi
  dialogue "imm$v" tls 'reply 220' 'send EHLO c.example' 'reply 250' \
    'send MAIL FROM:<a@example.net>' 'reply 250' 'send QUIT' 'reply 221' eof
  assert_eq 0 "$(starttls_offers "imm$v")" "immediate mode ($v): EHLO replies offering STARTTLS"
  stop "imm$v"
done
pass
