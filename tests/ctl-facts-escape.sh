#!/bin/bash
# ctl-facts-escape: a value that the peer chose reaches prog escaped, in
# the Y block and in the environment (immediate mode): a newline, an ESC,
# a NUL come out as \x0a, \x1b, \x00, so that the peer can never end a
# string early or start a variable of its own -- in SSL_TLS_SNI_SERVERNAME,
# SSL_PEER_CERT_SUBJECT (RFC 4514), SSL_CLIENT_S_DN (ucspi-ssl's
# oneline form) and SSL_CLIENT_S_DN_CN alike.
#   SNI (sent raw by tests/apps/minitls):  evil<LF>SSL_INJECTED=1<ESC>[31m=
#   client certificate subject: CN=evil<LF>SSL_INJECTED=1, O=a=b,
#     OU=nul<NUL>SSL_NUL=1, OU=esc<ESC>[31m (a NUL cannot be given to
#     openssl -subj: tests/apps/resign-cert.py puts it in and signs again)
# tests/apps/facts-check.py checks every fact of the block and of the
# environment, name, order and exact value (and that no value carries a
# raw control byte); no variable the peer named; the -v2 line stays one
# line, with the newline and the ESC escaped (how it writes other bytes,
# '=' or space, is its own business).  Last, the UTF-8 rules: what passes
# (U+00A0 and up, valid), what becomes \xNN (DEL, C1, not UTF-8, \).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY CAFILE=$CA

sni_step='tls evil\nSSL_INJECTED=1\x1b[31m='
sni_out='evil\x0aSSL_INJECTED=1\x1b[31m='          # as prog must see it
subj_out='OU=esc\x1b[31m,OU=nul\x00SSL_NUL\=1,O=a\=b,CN=evil\x0aSSL_INJECTED\=1'
dn_out='/CN=evil\x0aSSL_INJECTED=1/O=a=b/OU=nul\x00SSL_NUL=1/OU=esc\x1b[31m'   # SSL_CLIENT_S_DN
cn_out='evil\x0aSSL_INJECTED=1'                                               # its CN

# dumped NAME -- the value of NAME in the dump, dumpenv's own escaping
# (backslash doubled) undone
dumped() { sed -n "s/^env $1=//p" "$dump" | sed 's/\\\\/\\/g'; }
# facts FILE ARGS... -- tests/apps/facts-check.py FILE ARGS... must pass
facts() {
  local out
  out=$("$PY" "$APPS/facts-check.py" "$@") || fail "the facts in ${1##*/}: $out"
}
no_injected() { # DUMP
  if grep -E '^env (SSL_INJECTED|SSL_NUL)' "$1"; then fail "a peer-named variable in prog's environment"; fi
  assert_eq 0 "$(grep -c '^SSL_INJECTED=1' "$1")" "lines of the dump that start with the injected text"
}

# 1. SNI, immediate mode: the environment and the -v2 line
start_tcpserver sni_env ucspitlsd -i -v2 "$PY" "$APPS/dumpenv.py" "$T/sni.dump"
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" "$sni_step" readall >"$T/sni_env.client" 2>&1 \
  || fail "sni_env: client: $(tail -n 3 "$T/sni_env.client")"
dump=$T/sni.dump
wait_file "$dump"
assert_eq "$sni_out" "$(dumped SSL_TLS_SNI_SERVERNAME)" "SSL_TLS_SNI_SERVERNAME in the environment"
facts "$dump" --env --tls ECDHE-ECDSA-CHACHA20-POLY1305 "SSL_TLS_SNI_SERVERNAME=$sni_out"
no_injected "$dump"
wait_lines "$T/sni_env.err" 1
sleep 0.2
assert_eq 1 "$(wc -l <"$T/sni_env.err")" "lines on stderr (the -v2 line must stay one line)"
assert_file_contains "$T/sni_env.err" ' sni=evil\x0aSSL_INJECTED' "the -v2 line"
if grep -q "$(printf '\033')" "$T/sni_env.err"; then fail "a raw ESC in the -v2 line: $(cat -v "$T/sni_env.err")"; fi

# 2. SNI, the Y block
TEST_YBLOCK_FILE=$T/sni.block TEST_STATUS_FILE=$T/sni_y.child \
  start_tcpserver sni_y ucspitlsd -v2 "$PY" "$APPS/smtpish.py" Y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220' "$sni_step" 'send QUIT' 'reply 221' eof \
  >"$T/sni_y.client" 2>&1 || fail "sni_y: client: $(tail -n 3 "$T/sni_y.client")"
wait_lines "$T/sni_y.child" 1
facts "$T/sni.block" --tls ECDHE-ECDSA-CHACHA20-POLY1305 "SSL_TLS_SNI_SERVERNAME=$sni_out"

# the client certificate
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$T/evil.ext"
openssl req -new -key "$CLIENT_KEY" -utf8 \
  -subj "/CN=evil"$'\n'"SSL_INJECTED=1/O=a\\=b/OU=nulXSSL_NUL=1/OU=esc"$'\e'"[31m" -out "$T/evil.csr" 2>"$T/openssl.log" \
  && openssl x509 -req -in "$T/evil.csr" -CA "$CA" -CAkey "$CA_KEY" -set_serial 0x5eed -days 30 -sha256 \
       -extfile "$T/evil.ext" -out "$T/evil0.pem" 2>>"$T/openssl.log" \
  && "$PY" "$APPS/resign-cert.py" "$T/evil0.pem" "$T/evil.pem" "$CA_KEY" 'nulX' 'nul\x00' 2>>"$T/openssl.log" \
  && openssl verify -CAfile "$CA" "$T/evil.pem" >>"$T/openssl.log" 2>&1 \
  || fail "could not make the certificate: $(cat "$T/openssl.log")"
hash=SHA256:$(cert_sha256 "$T/evil.pem")
# its facts: the subject's escaped as above, the rest (issuer, serial,
# validity) as openssl reads them; no SNI (tlsclient sends none)
evil=(--cert "$T/evil.pem" "SSL_PEER_CERT_HASH=$hash" "SSL_PEER_CERT_SUBJECT=$subj_out"
  "SSL_CLIENT_S_DN=$dn_out" "SSL_CLIENT_S_DN_CN=$cn_out" SSL_CLIENT_M_SERIAL=24301)

# 3. subject, immediate mode: the environment
start_tcpserver subj_env ucspitlsd -i -y -v2 "$PY" "$APPS/dumpenv.py" "$T/subj.dump"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --cert "$T/evil.pem" --key "$CLIENT_KEY" tls readall \
  >"$T/subj_env.client" 2>&1 || fail "subj_env: client: $(tail -n 3 "$T/subj_env.client")"
dump=$T/subj.dump
wait_file "$dump"
assert_eq "$subj_out" "$(dumped SSL_PEER_CERT_SUBJECT)" "SSL_PEER_CERT_SUBJECT in the environment"
assert_eq "$hash" "$(dumped SSL_PEER_CERT_HASH)" "SSL_PEER_CERT_HASH in the environment"
facts "$dump" --env --tls "$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/subj_env.client")" "${evil[@]}"
no_injected "$dump"

# 4. subject, the Y block
TEST_YBLOCK_FILE=$T/subj.block TEST_STATUS_FILE=$T/subj_y.child \
  start_tcpserver subj_y ucspitlsd -y -v2 "$PY" "$APPS/smtpish.py" Y
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --cert "$T/evil.pem" --key "$CLIENT_KEY" \
  'reply 220' 'send STARTTLS' 'reply 220' tls 'send QUIT' 'reply 221' eof \
  >"$T/subj_y.client" 2>&1 || fail "subj_y: client: $(tail -n 3 "$T/subj_y.client")"
cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/subj_y.client")
wait_lines "$T/subj_y.child" 1
facts "$T/subj.block" --tls "$cipher" "${evil[@]}"

# 5. UTF-8: valid sequences of U+00A0 and up pass (U+00A0, the euro
# sign), the rest becomes \xNN: DEL, U+0085 (a C1 control, as UTF-8),
# bytes that are not UTF-8 (FF, a surrogate ED A0 80, the overlong
# C0 AF), and the backslash -- in the certificate's facts and in SNI
# the CN (fQQ, sSSS, oOO become f FF FF, s ED A0 80, o C0 AF once made),
# and as prog must see it: d\x7fe|c\xc2\x85|n<U+00A0>|f\xff\xff|b\x5c|s\xed\xa0\x80|<euro>|o\xc0\xaf
printf -v utf_cn 'd\x7fe|c\xc2\x85|n\xc2\xa0|fQQ|b\\\\|sSSS|\xe2\x82\xac|oOO'      # for openssl -subj
printf -v utf_out 'd\\x7fe|c\\xc2\\x85|n\xc2\xa0|f\\xff\\xff|b\\x5c|s\\xed\\xa0\\x80|\xe2\x82\xac|o\\xc0\\xaf'
openssl req -new -key "$CLIENT_KEY" -utf8 -subj "/CN=$utf_cn" -out "$T/utf.csr" 2>"$T/openssl.log" \
  && openssl x509 -req -in "$T/utf.csr" -CA "$CA" -CAkey "$CA_KEY" -set_serial 0x0ff1 -days 30 -sha256 \
       -extfile "$T/evil.ext" -out "$T/utf0.pem" 2>>"$T/openssl.log" \
  && "$PY" "$APPS/resign-cert.py" "$T/utf0.pem" "$T/utf1.pem" "$CA_KEY" 'fQQ' 'f\xff\xff' 2>>"$T/openssl.log" \
  && "$PY" "$APPS/resign-cert.py" "$T/utf1.pem" "$T/utf2.pem" "$CA_KEY" 'sSSS' 's\xed\xa0\x80' 2>>"$T/openssl.log" \
  && "$PY" "$APPS/resign-cert.py" "$T/utf2.pem" "$T/utf.pem" "$CA_KEY" 'oOO' 'o\xc0\xaf' 2>>"$T/openssl.log" \
  || fail "could not make the UTF-8 certificate: $(cat "$T/openssl.log")"
# openssl refuses to read a certificate with a UTF8String that is not
# UTF-8: the values it would give are those of utf0.pem, the hash is
# taken of the DER here
utfhash=$("$PY" -c 'import base64, hashlib, sys
pem = open(sys.argv[1]).read().split("-----")[2]
print(hashlib.sha256(base64.b64decode(pem)).hexdigest())' "$T/utf.pem")
utf=("SSL_PEER_CERT_HASH=SHA256:$utfhash" "SSL_PEER_CERT_SUBJECT=CN=$utf_out"
  "SSL_CLIENT_S_DN=/CN=$utf_out" "SSL_CLIENT_S_DN_CN=$utf_out" SSL_CLIENT_M_SERIAL=4081
  "SSL_CLIENT_I_DN=/O=ucspitls tests/CN=ucspitls test CA"
  "SSL_CLIENT_V_START=$(openssl x509 -in "$T/utf0.pem" -noout -startdate | sed 's/^notBefore=//')"
  "SSL_CLIENT_V_END=$(openssl x509 -in "$T/utf0.pem" -noout -enddate | sed 's/^notAfter=//')")
sni_utf='tls a\x7fb\xc2\x85c\xffd\\e\xc2\xa0'       # as prog must see it: a\x7fb\xc2\x85c\xffd\x5ce<U+00A0>
printf -v sni_utf_out 'a\\x7fb\\xc2\\x85c\\xffd\\x5ce\xc2\xa0'
# the client: ucspitlsc -y, whose BearSSL sends the certificate as it is
# (openssl, Python's ssl, will not load it)
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" env CERTFILE="$T/utf.pem" KEYFILE="$CLIENT_KEY" \
  ucspitlsc -y -N -v2 "$APPS/client-smtp" y "$T/utf_y.log" 2>"$T/utf_y.err" \
  || fail "utf_y: client: $(cat "$T/utf_y.err") $(tail -n 3 "$T/utf_y.log")"
wait_lines "$T/subj_y.child" 2
wait_lines "$T/utf_y.err" 1
facts "$T/subj.block" --tls "$(sed -n 's/.* cipher=\([^ ]*\) .*/\1/p' "$T/utf_y.err")" "${utf[@]}"
stop subj_y
start_tcpserver utf_env ucspitlsd -i -y -v2 "$PY" "$APPS/dumpenv.py" "$T/utf.dump"
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" env CERTFILE="$T/utf.pem" KEYFILE="$CLIENT_KEY" \
  ucspitlsc -i -y -N -v2 sh -c 'cat <&6 >/dev/null' 2>"$T/utf_env.err" || fail "utf_env: client: $(cat "$T/utf_env.err")"
wait_file "$T/utf.dump"
wait_lines "$T/utf_env.err" 1
facts "$T/utf.dump" --env --tls "$(sed -n 's/.* cipher=\([^ ]*\) .*/\1/p' "$T/utf_env.err")" "${utf[@]}"
TEST_YBLOCK_FILE=$T/sni_utf.block TEST_STATUS_FILE=$T/sni_utf.child \
  start_tcpserver sni_utf ucspitlsd -v2 "$PY" "$APPS/smtpish.py" Y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220' "$sni_utf" 'send QUIT' 'reply 221' eof \
  >"$T/sni_utf.client" 2>&1 || fail "sni_utf: client: $(tail -n 3 "$T/sni_utf.client")"
wait_lines "$T/sni_utf.child" 1
facts "$T/sni_utf.block" --tls ECDHE-ECDSA-CHACHA20-POLY1305 "SSL_TLS_SNI_SERVERNAME=$sni_utf_out"
wait_no_ucspitlsd
pass
