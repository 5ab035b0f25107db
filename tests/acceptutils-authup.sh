#!/bin/bash
# acceptutils-authup: acceptutils' authup (tests/apps/authup.py, which
# follows its sources) under `tcpserver ... ucspitlsd -v2 -Y app`, with no
# UCSPITLS of the operator's, in front of a checkpassword program
# (tests/apps/checkpassword.py, standing for checkpassword, fixsmtpio and
# qmail-smtpd, and recording the environment they get):
#   - ucspitlsd sets UCSPITLS empty: authup's level is AVAILABLE, STARTTLS
#     is offered, and swaks --tls, openssl s_client -starttls smtp and
#     Python's smtplib get TLS and then authenticate;
#   - authup's facts reader (s/qmail's, which stops about halfway) gets
#     SSL_PROTOCOL and SSL_CIPHER, and SSL_CLIENT_S_DN for a client
#     certificate; they reach the programs after authup, so that
#     qmail-qfilter-addtlsheader's Received line "(ucspitls acceptutils
#     authup USER PROTOCOL CIPHER)" is there; UCSPITLS does not (authup
#     unsets it);
#   - the operator's "!" refuses AUTH before TLS (530), "-" offers no
#     STARTTLS (502 to it);
#   - under ucspitlsd -i no STARTTLS is offered inside TLS; the facts come
#     in the environment.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY CAFILE=$CA
export AUTHUP_LOG=$T/authup.log CHECKPASSWORD_USER=tester CHECKPASSWORD_PASS=s3cret
app=("$PY" "$APPS/authup.py" smtp "$PY" "$APPS/checkpassword.py" "$T/next.env")
plain=$(printf '\0tester\0s3cret' | base64)

# session NAME -- before a session: fresh logs
session() { name=$1; : >"$AUTHUP_LOG"; rm -f "$T/next.env"; }
logged() { grep -qxF -- "$1" "$AUTHUP_LOG" || fail "$name: authup did not log [$1]: $(cat "$AUTHUP_LOG")"; }
# next_has LINE -- what checkpassword.py recorded holds LINE
next_has() {
  wait_file "$T/next.env"
  grep -qxF -- "$1" "$T/next.env" || fail "$name: no [$1] after authup: $(grep -E '^(SSL_|AUTHUP|UCSPITLS|header)' "$T/next.env")"
}
# after_authup CIPHER -- the environment after authup, for TLS with CIPHER
after_authup() {
  next_has "AUTHUP_USER=tester"
  next_has "SSL_PROTOCOL=TLSv1.2"
  next_has "SSL_CIPHER=$1"
  next_has "header Received: (ucspitls acceptutils authup tester TLSv1.2 $1)"
  if grep -q '^UCSPITLS=' "$T/next.env"; then fail "$name: UCSPITLS reached the program after authup"; fi
}
dialogue() {
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost "$@" \
    >"$T/$name.client" 2>&1 || fail "$name: $(tail -n 5 "$T/$name.client")"
}
no_starttls() {
  if grep -q '^S: 250.STARTTLS' "$T/$name.client"; then fail "$name: STARTTLS offered: $(cat "$T/$name.client")"; fi
}

start_tcpserver authup ucspitlsd -v2 -Y "${app[@]}"

# 1. swaks --tls and AUTH PLAIN
session swaks
with_timeout 60 swaks --server "127.0.0.1:$PORT" --tls --tls-verify --tls-ca-path "$CA" --tls-sni localhost \
  --helo swaks.example --auth PLAIN --auth-user tester --auth-password s3cret --quit-after AUTH --timeout 20 \
  >"$T/swaks.log" 2>&1 || fail "swaks: $(tail -n 5 "$T/swaks.log")"
assert_file_contains "$T/swaks.log" "<-  250-STARTTLS"
assert_file_contains "$T/swaks.log" "<-  220 Ready to start TLS (#5.7.0)"
assert_file_contains "$T/swaks.log" "<~  235 ok, go ahead (#2.0.0)"
cipher=$(sed -n 's/^=== TLS started with cipher TLSv1\.2:\([^:]*\):.*/\1/p' "$T/swaks.log")
[ -n "$cipher" ] || fail "swaks did not start TLS 1.2: $(grep '^===' "$T/swaks.log")"
logged "setup UCSPITLS='' level=1"
logged "fact SSL_PROTOCOL=TLSv1.2"
logged "fact SSL_CIPHER=$cipher"
after_authup "$cipher"

# 2. openssl s_client with a client certificate: its DN reaches the
# programs after authup through authup's reader
session s_client
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 'expect ^Verification: OK' \
  'send EHLO sclient.example' 'expect ^250 8BITMIME' \
  "send AUTH PLAIN $plain" 'expect ^235 ' 'send QUIT' 'expect ^221 ' 'exit any' \
  -- openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
       -servername localhost -cert "$CLIENT_CERT" -key "$CLIENT_KEY" -brief -ign_eof \
  >"$T/sclient.log" 2>&1 || fail "s_client: $(tail -n 5 "$T/sclient.log")"
cipher=$(sed -n 's/^Ciphersuite: //p' "$T/sclient.log")
logged "fact SSL_CLIENT_S_DN=/CN=client/O=Test"
after_authup "$cipher"
next_has "SSL_CLIENT_S_DN=/CN=client/O=Test"
next_has "SSL_CLIENT_S_DN_CN=client"

# 3. smtplib: starttls() and login()
session smtplib
with_timeout 40 "$PY" - "$PORT" "$CA" >"$T/smtplib.log" 2>&1 <<'EOF' || fail "smtplib: $(cat "$T/smtplib.log")"
import smtplib, ssl, sys
port, ca = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False          # the certificate is for localhost, we dial 127.0.0.1
s = smtplib.SMTP("127.0.0.1", int(port), local_hostname="smtplib.example", timeout=20)
s.ehlo()
assert s.has_extn("starttls"), s.esmtp_features
print(s.starttls(context=ctx))
s.ehlo()
assert not s.has_extn("starttls"), s.esmtp_features
print("cipher=" + s.sock.cipher()[0])
print(s.login("tester", "s3cret"))
s.quit()
EOF
after_authup "$(sed -n 's/^cipher=//p' "$T/smtplib.log")"
stop authup

# 4. the operator's UCSPITLS=! : AUTH before TLS is the end
start_tcpserver required env UCSPITLS='!' ucspitlsd -v2 -Y "${app[@]}"
session required
dialogue 'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
  "send AUTH PLAIN $plain" 'reply 530 ^530 authup Must start TLS first \(#5\.7\.0\)$' eof
logged "setup UCSPITLS='!' level=2"
[ ! -e "$T/next.env" ] || fail "required: checkpassword ran before TLS"
stop required

# 5. the operator's UCSPITLS=- : no STARTTLS
start_tcpserver minus env UCSPITLS=- ucspitlsd -v2 -Y "${app[@]}"
session minus
dialogue 'reply 220' 'send EHLO c.example' 'reply 250' \
  'send STARTTLS' 'reply 502 ^502 unimplemented \(#5\.5\.1\)$' 'send QUIT' 'reply 221' eof
no_starttls
logged "setup UCSPITLS='-' level=0"
stop minus

# 6. immediate mode: no STARTTLS inside TLS; AUTH, and the facts from the
# environment reach the programs after authup
start_tcpserver imm env UCSPITLS= ucspitlsd -i -v2 "${app[@]}"
session immediate
dialogue tls 'reply 220' 'send EHLO c.example' 'reply 250' \
  'send STARTTLS' 'reply 502 ^502 unimplemented \(#5\.5\.1\)$' \
  "send AUTH PLAIN $plain" 'reply 235' 'send QUIT' 'reply 221' eof
no_starttls
logged "setup UCSPITLS=(unset) level=0"
after_authup "$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/$name.client")"
stop imm
pass
