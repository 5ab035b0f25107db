#!/bin/bash
# sqmail-smtpd: s/qmail's qmail-smtpd (tests/apps/sqmail-smtpd.py, which
# follows its sources) under `tcpserver ... ucspitlsd -v2 -Y app`, as an
# operator runs it, with no UCSPITLS of the operator's:
#   - ucspitlsd sets UCSPITLS empty, so STARTTLS is offered, and swaks
#     --tls, openssl s_client -starttls smtp and Python's smtplib get TLS;
#   - after 'Y', s/qmail's facts reader, which stops about halfway through
#     the block, gets SSL_PROTOCOL and SSL_CIPHER (and the key sizes): the
#     Received line says "de/crypted with TLSv1.2: CIPHER [N/N] DN=none"
#     and the protocol ESMTPS;
#   - with a client certificate (CAFILE, -Y) it gets SSL_CLIENT_S_DN, whose
#     presence makes the client a relay client (RCPT to any domain), and
#     SSL_CLIENT_S_DN_CN and _Email; the DN is in the Received line;
#   - the operator's values keep s/qmail's meanings: "-" no STARTTLS (500
#     to it), "!" and "?" MAIL before TLS refused (535), "@" the session
#     authenticated by the certificate (ESMTPSA, Accept::AUTH::cert, and
#     with LOCALMFCHECK=? the sender must be the certificate's email);
#   - under ucspitlsd -i no STARTTLS is offered inside TLS, even when the
#     operator set UCSPITLS (as run scripts for other servers do).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY CAFILE=$CA
export SQMAIL_LOG=$T/sq.log SQMAIL_RCPTHOSTS=example.org
leaf_cert mailer "/C=DE/O=Test Org/CN=mailer/emailAddress=mailer@example.net" clientAuth
dn="/C=DE/O=Test Org/CN=mailer/emailAddress=mailer@example.net"

# bits CIPHER -- its key size
bits() { case $1 in *AES128*) echo 128 ;; *) echo 256 ;; esac; }
# session NAME -- before a session: a fresh app log
session() { name=$1; : >"$SQMAIL_LOG"; }
# logged LINE -- the app logged exactly LINE
logged() { grep -qxF -- "$1" "$SQMAIL_LOG" || fail "$name: the app did not log [$1]: $(cat "$SQMAIL_LOG")"; }
# facts_read CIPHER [DN CN EMAIL] -- what s/qmail's reader put in the
# environment after STARTTLS
facts_read() {
  logged "fact SSL_PROTOCOL=TLSv1.2"
  logged "fact SSL_CIPHER=$1"
  logged "fact SSL_CIPHER_USEKEYSIZE=$(bits "$1")"
  logged "fact SSL_CIPHER_ALGKEYSIZE=$(bits "$1")"
  if [ $# -gt 1 ]; then
    logged "fact SSL_CLIENT_S_DN=$2"
    logged "fact SSL_CLIENT_S_DN_CN=$3"
    logged "fact SSL_CLIENT_S_DN_Email=$4"
  elif grep -q '^fact SSL_CLIENT_' "$SQMAIL_LOG"; then
    fail "$name: client certificate facts without a certificate: $(cat "$SQMAIL_LOG")"
  fi
}
# message_has TEXT -- the queued message holds TEXT
message_has() {
  grep '^message ' "$SQMAIL_LOG" | grep -qF -- "$1" || fail "$name: no [$1] in the message: $(grep '^message ' "$SQMAIL_LOG")"
}

start_tcpserver smtpd ucspitlsd -v2 -Y "$PY" "$APPS/sqmail-smtpd.py"

# 1. swaks --tls, no client certificate: STARTTLS offered, the cipher read
session swaks
with_timeout 60 swaks --server "127.0.0.1:$PORT" --tls --tls-verify --tls-ca-path "$CA" --tls-sni localhost \
  --helo swaks.example --from sender@example.net --to postmaster@example.org --timeout 20 \
  >"$T/swaks.log" 2>&1 || fail "swaks: $(tail -n 5 "$T/swaks.log")"
assert_file_contains "$T/swaks.log" "<-  250-STARTTLS"
assert_file_contains "$T/swaks.log" "<-  220 Ready to start TLS (#5.7.0)"
cipher=$(sed -n 's/^=== TLS started with cipher TLSv1\.2:\([^:]*\):.*/\1/p' "$T/swaks.log")
[ -n "$cipher" ] || fail "swaks did not start TLS 1.2: $(grep '^===' "$T/swaks.log")"
logged "setup UCSPITLS='' starttls=1"
facts_read "$cipher"
logged "tlsinfo TLSv1.2: $cipher [$(bits "$cipher")/$(bits "$cipher")] DN=none"
logged "relayclient no"
message_has "de/crypted with TLSv1.2: $cipher [$(bits "$cipher")/$(bits "$cipher")] DN=none"
message_has " with ESMTPS; "
assert_file_contains "$T/smtpd.err" "Accept::RCPT::Rcpthosts_Rcptto P:ESMTPS "
grep -q "^ucspitlsd: info: .* cipher=$cipher .* end=ok$" "$T/smtpd.err" || fail "ucspitlsd's -v2 line: $(cat "$T/smtpd.err")"

# 2. openssl s_client with a client certificate: the DN makes a relay
# client (RCPT to a domain not in rcpthosts is accepted; chat sends CR LF
# itself, so no -crlf)
session s_client
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 'expect ^Verification: OK' \
  'send EHLO sclient.example' 'expect ^250 SIZE' \
  'send MAIL FROM:<mailer@example.net>' 'expect ^250 ok' \
  'send RCPT TO:<someone@elsewhere.test>' 'expect ^250 ok' \
  'send QUIT' 'expect ^221 ' 'exit any' \
  -- openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
       -servername localhost -cert "$T/mailer.pem" -key "$T/mailer.key" -brief -ign_eof \
  >"$T/sclient.log" 2>&1 || fail "s_client: $(tail -n 5 "$T/sclient.log")"
cipher=$(sed -n 's/^Ciphersuite: //p' "$T/sclient.log")
facts_read "$cipher" "$dn" mailer mailer@example.net
logged "relayclient yes"
# s/qmail counts such a client as authenticated (seenauth 2), with no method
assert_file_contains "$T/smtpd.err" "Accept::AUTH:: P:ESMTPS S:127.0.0.1:unknown H:sclient.example F:mailer@example.net T:someone@elsewhere.test"

# 3. smtplib with the certificate: a relayed message, the DN in Received
session smtplib
with_timeout 40 "$PY" - "$PORT" "$CA" "$T/mailer.pem" "$T/mailer.key" >"$T/smtplib.log" 2>&1 <<'EOF' \
  || fail "smtplib: $(cat "$T/smtplib.log")"
import smtplib, ssl, sys
port, ca, cert, key = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False          # the certificate is for localhost, we dial 127.0.0.1
ctx.load_cert_chain(cert, key)
s = smtplib.SMTP("127.0.0.1", int(port), local_hostname="smtplib.example", timeout=20)
s.ehlo()
assert s.has_extn("starttls"), s.esmtp_features
print(s.starttls(context=ctx))
s.ehlo()
assert not s.has_extn("starttls"), s.esmtp_features
print("cipher=" + s.sock.cipher()[0])
print(s.sendmail("mailer@example.net", ["someone@elsewhere.test"], "Subject: smtplib\r\n\r\nrelayed\r\n"))
s.quit()
EOF
cipher=$(sed -n 's/^cipher=//p' "$T/smtplib.log")
facts_read "$cipher" "$dn" mailer mailer@example.net
message_has "de/crypted with TLSv1.2: $cipher [$(bits "$cipher")/$(bits "$cipher")] DN=$dn"
message_has " with ESMTPS; "
stop smtpd

# steps... -- tests/apps/tlsclient.py to the server at $PORT; its
# dialogue in $T/$name.client
dialogue() {
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost "$@" \
    >"$T/$name.client" 2>&1 || fail "$name: $(tail -n 5 "$T/$name.client")"
}
no_starttls() {
  if grep -q '^S: 250.STARTTLS' "$T/$name.client"; then fail "$name: STARTTLS offered: $(cat "$T/$name.client")"; fi
}

# 4. UCSPITLS=- : no STARTTLS, and 500 to one
start_tcpserver minus env UCSPITLS=- ucspitlsd -v2 -Y "$PY" "$APPS/sqmail-smtpd.py"
session minus
dialogue 'reply 220' 'send EHLO c.example' 'reply 250' \
  'send STARTTLS' 'reply 500 ^500 unimplemented \(#5\.5\.1\)$' 'send QUIT' 'reply 221' eof
no_starttls
logged "setup UCSPITLS='-' starttls=0"
stop minus

# 5. UCSPITLS=! and ? : MAIL before TLS refused, accepted after
for vsn in '!:2:bang' '?:3:query'; do   # value, s/qmail's starttls, server name
  IFS=: read -r v st n <<<"$vsn"
  start_tcpserver "$n" env UCSPITLS="$v" ucspitlsd -v2 -Y "$PY" "$APPS/sqmail-smtpd.py"
  session "required-$n"
  dialogue 'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
    'send MAIL FROM:<a@example.org>' 'reply 535 ^535 STARTTLS required \(#5\.7\.1\)$' \
    'send STARTTLS' 'reply 220' tls 'send EHLO c.example' 'reply 250' \
    'send MAIL FROM:<a@example.org>' 'reply 250' 'send QUIT' 'reply 221' eof
  logged "setup UCSPITLS='$v' starttls=$st"
  cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/$name.client")
  facts_read "$cipher"
  stop "$n"
done

# 6. UCSPITLS=@ with LOCALMFCHECK=? : authenticated by the certificate,
# whose email must be the sender
start_tcpserver at env UCSPITLS=@ LOCALMFCHECK='?' ucspitlsd -v2 -Y "$PY" "$APPS/sqmail-smtpd.py"
session at
dialogue --cert "$T/mailer.pem" --key "$T/mailer.key" \
  'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' 'send STARTTLS' 'reply 220' tls \
  'send EHLO c.example' 'reply 250' \
  'send MAIL FROM:<other@example.net>' 'reply 250' \
  'send RCPT TO:<someone@elsewhere.test>' 'reply 553 ^553 sorry, invalid sender address specified \(#5\.7\.1\)$' \
  'send RSET' 'reply 250' 'send MAIL FROM:<Mailer@Example.NET>' 'reply 250' \
  'send RCPT TO:<someone@elsewhere.test>' 'reply 250' \
  'send DATA' 'reply 354' 'send Subject: by certificate' 'send ' 'send authenticated' 'send .' 'reply 250' \
  'send QUIT' 'reply 221' eof
cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/$name.client")
facts_read "$cipher" "$dn" mailer mailer@example.net
message_has "(mailer@127.0.0.1)"
message_has " with ESMTPSA; "
assert_file_contains "$T/at.err" "Accept::AUTH::cert P:ESMTPSA "
assert_file_contains "$T/at.err" "T:someone@elsewhere.test ?~ 'mailer'"
stop at

# 7. immediate mode: TLS is on, no STARTTLS inside it (UCSPITLS unset by
# ucspitlsd -i, whether the operator set it or not)
for v in unset empty; do
  if [ $v = unset ]; then
    start_tcpserver "imm$v" ucspitlsd -i -v2 "$PY" "$APPS/sqmail-smtpd.py"
  else
    start_tcpserver "imm$v" env UCSPITLS= ucspitlsd -i -v2 "$PY" "$APPS/sqmail-smtpd.py"
  fi
  session "immediate-$v"
  dialogue tls 'reply 220' 'send EHLO c.example' 'reply 250' \
    'send STARTTLS' 'reply 500 ^500 unimplemented \(#5\.5\.1\)$' 'send QUIT' 'reply 221' eof
  no_starttls
  logged "setup UCSPITLS=(unset) starttls=0"
  stop "imm$v"
done
pass
