#!/bin/bash
# facts-halfway: every facts block that ucspitlsd and ucspitlsc write, in
# both modes (the Y block; immediate mode's environment, rebuilt into the
# block it came from), is laid out for the reader that s/qmail and
# acceptutils share, which stops about halfway through the block
# (tests/apps/halfreader.py, transliterated from their sources):
#   - that reader gets SSL_PROTOCOL, SSL_CIPHER and, with a peer
#     certificate, SSL_CLIENT_S_DN (SSL_SERVER_S_DN on ucspitlsc) and its
#     CN and Email, with the values a correct reader gets, and no other
#     value than a correct reader;
#   - a correct reader (to the final empty string) gets every fact; the
#     block is at most 4096 bytes; no value holds a control byte;
#     SSL_PADDING is there only where the halfway reader needs it;
#   - the certificate's facts are what `openssl x509 -noout -subject
#     -issuer -nameopt compat -serial -startdate -enddate` says of it (the
#     serial in decimal), its hash and RFC 4514 subject too.
# All of it is tests/apps/facts-check.py.  The peers' certificates: none;
# EC and RSA client certificates; a long subject (seven RDNs, a 200-byte
# CN); an email attribute; a 255-byte CN and a 250-byte email, which need
# SSL_PADDING; an empty subject, which gives no SSL_CLIENT_S_DN (nor
# SSL_SERVER_S_DN), nor SSL_PEER_CERT_SUBJECT, at all.  With SNI and without.
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA

# long_cert NAME SUBJECT EKU -- leaf_cert, but "name=" in SUBJECT becomes
# the CN and "unstructuredName=" the emailAddress: openssl req will not
# write a CN over 64 bytes or an email over 128, so the attribute types
# are swapped in the DER (same lengths) and the certificate signed again
long_cert() {
  local email='\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09'   # the OIDs 1.2.840.113549.1.9.x
  leaf_cert "$1.0" "$2" "$3"
  mv "$T/$1.0.key" "$T/$1.key"
  "$PY" "$APPS/resign-cert.py" "$T/$1.0.pem" "$T/$1.pem" "$CA_KEY" '\x06\x03\x55\x04\x29' '\x06\x03\x55\x04\x03' \
    >"$T/$1.verify" 2>&1 || fail "cannot make the certificate $1: $(cat "$T/$1.verify")"
  case $2 in
    *unstructuredName=*)
      mv "$T/$1.pem" "$T/$1.1.pem"
      "$PY" "$APPS/resign-cert.py" "$T/$1.1.pem" "$T/$1.pem" "$CA_KEY" "${email}\x02" "${email}\x01" \
        >"$T/$1.verify" 2>&1 || fail "cannot make the certificate $1: $(cat "$T/$1.verify")" ;;
  esac
  openssl verify -CAfile "$CA" "$T/$1.pem" >"$T/$1.verify" 2>&1 || fail "the certificate $1: $(cat "$T/$1.verify")"
}
cn200=$(printf 'c%.0s' $(seq 200))
cn255=$(printf 'n%.0s' $(seq 255))
mail250=$(printf 'm%.0s' $(seq 238))@example.org
long="/C=DE/ST=Berlin/L=Berlin/O=Long Org/OU=Unit One/OU=Unit Two/name=$cn200"
mail="/C=DE/O=Test Org/CN=mail user/emailAddress=user@example.org"
pad="/O=Pad/name=$cn255/unstructuredName=$mail250"
leaf_cert rsa "/CN=rsa client/O=Test" clientAuth rsa
leaf_cert empty / clientAuth
long_cert long "$long" clientAuth
leaf_cert mail "$mail" clientAuth
long_cert pad "$pad" clientAuth
long_cert slong "$long" serverAuth
leaf_cert smail "$mail" serverAuth
long_cert spad "$pad" serverAuth
leaf_cert sempty / serverAuth
# the subjects that openssl must see, so that --cert checks the right thing
assert_eq "subject=/C=DE/ST=Berlin/L=Berlin/O=Long Org/OU=Unit One/OU=Unit Two/CN=$cn200" \
  "$(openssl x509 -in "$T/long.pem" -noout -subject -nameopt compat)" "the long subject"
assert_eq "subject=/O=Pad/CN=$cn255/emailAddress=$mail250" \
  "$(openssl x509 -in "$T/pad.pem" -noout -subject -nameopt compat)" "the longest subject"

# check NAME FILE ARGS... -- facts-check.py FILE ARGS...; a block with
# SSL_PADDING counted in $padded
padded=0
check() {
  local name=$1 out; shift
  out=$("$PY" "$APPS/facts-check.py" "$@") || fail "$name: $out"
  if grep -qa 'SSL_PADDING=' "$1"; then padded=$((padded + 1)); fi
}

# 1. ucspitlsd: the Y block and immediate mode, for each client certificate
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_YBLOCK_FILE=$T/block \
  start_tcpserver dY ucspitlsd -Y "$PY" "$APPS/smtpish.py" Y
portY=$PORT
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver di ucspitlsd -i -Y "$PY" "$APPS/dumpenv.py" "$T/env"
porti=$PORT
for c in none:yes client:yes rsa:yes long:yes mail:yes pad:yes empty:yes none:no long:no pad:no; do
  cert=${c%:*} sni=${c#*:} name=d-$cert-sni$sni
  args=() expect=()
  case $cert in
    none) ;;
    client) args=(--cert "$CLIENT_CERT" --key "$CLIENT_KEY"); expect=(--cert "$CLIENT_CERT") ;;
    *) args=(--cert "$T/$cert.pem" --key "$T/$cert.key"); expect=(--cert "$T/$cert.pem") ;;
  esac
  # an empty subject: no SSL_CLIENT_S_DN (s/qmail would relay on an empty
  # one), no CN, no email, no SSL_PEER_CERT_SUBJECT
  [ "$sni" = no ] || { args+=(--sni localhost); expect+=(SSL_TLS_SNI_SERVERNAME=localhost); }
  rm -f "$T/block" "$T/env"
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$portY" "${args[@]}" \
    'reply 220' 'send STARTTLS' 'reply 220' tls 'send QUIT' 'reply 221' eof >"$T/$name.Y.client" 2>&1 \
    || fail "$name, Y: $(tail -n 3 "$T/$name.Y.client")"
  wait_file "$T/block"
  mv "$T/block" "$T/$name.block"
  cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/$name.Y.client")
  check "$name, Y block" "$T/$name.block" --tls "$cipher" "${expect[@]}"
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$porti" "${args[@]}" tls readall >"$T/$name.i.client" 2>&1 \
    || fail "$name, -i: $(tail -n 3 "$T/$name.i.client")"
  wait_file "$T/env"
  mv "$T/env" "$T/$name.env"
  cipher=$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/$name.i.client")
  check "$name, -i environment" "$T/$name.env" --env --tls "$cipher" "${expect[@]}"
done
stop dY
stop di

# 2. ucspitlsc: the same for each server certificate (the facts are of
# the server's, SSL_SERVER_*; the name it sent is SNI)
for s in ec:"$SRV_CERT":"$SRV_KEY" rsa:"$RSA_CERT":"$RSA_KEY" long:"$T/slong.pem":"$T/slong.key" \
         mail:"$T/smail.pem":"$T/smail.key" pad:"$T/spad.pem":"$T/spad.key" empty:"$T/sempty.pem":"$T/sempty.key"; do
  IFS=: read -r n cert key <<<"$s"
  extra=()
  name=c_$n
  CERTFILE=$cert KEYFILE=$key start_tcpserver "${name}_srv" ucspitlsd "$PY" "$APPS/smtpish.py" y
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -v2 -k localhost \
    "$APPS/client-smtp" Y "$T/$name.Y.log" "$T/$name.block" 2>"$T/$name.Y.err" \
    || fail "$name, Y: $(cat "$T/$name.Y.err") $(tail -n 3 "$T/$name.Y.log")"
  wait_lines "$T/$name.Y.err" 1   # the TLS child's -v2 line, at its end
  cipher=$(sed -n 's/.* cipher=\([^ ]*\) .*/\1/p' "$T/$name.Y.err")
  check "$name, Y block" "$T/$name.block" --side c --tls "$cipher" --cert "$cert" SSL_TLS_SNI_SERVERNAME=localhost "${extra[@]}"
  stop "${name}_srv"
  CERTFILE=$cert KEYFILE=$key start_tcpserver "${name}_isrv" ucspitlsd -i cat
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -i -v2 -k localhost \
    "$PY" "$APPS/dumpenv.py" "$T/$name.env" 2>"$T/$name.i.err" || fail "$name, -i: $(cat "$T/$name.i.err")"
  wait_file "$T/$name.env"
  wait_lines "$T/$name.i.err" 1
  cipher=$(sed -n 's/.* cipher=\([^ ]*\) .*/\1/p' "$T/$name.i.err")
  check "$name, -i environment" "$T/$name.env" --side c --env --tls "$cipher" --cert "$cert" \
    SSL_TLS_SNI_SERVERNAME=localhost "${extra[@]}"
  stop "${name}_isrv"
done

# the longest subject needed SSL_PADDING in each Y block (2 on the
# server side, with SNI and without, 1 on the client side), and never in
# an immediate-mode environment; facts-check said that the others did not
assert_eq 3 "$padded" "blocks with SSL_PADDING"
wait_no_ucspitlsd
pass
