#!/bin/bash
# client-server-facts: on the client side the facts describe the server's
# certificate, under the names of ucspi-ssl's sslclient: SSL_SERVER_S_DN
# and SSL_SERVER_I_DN (X509_NAME_oneline: the RDNs in the certificate's
# order, each after a slash, a slash in a value \x2f), SSL_SERVER_S_DN_CN,
# SSL_SERVER_S_DN_Email, SSL_SERVER_M_SERIAL (decimal), SSL_SERVER_V_START
# and SSL_SERVER_V_END ("Dec  1 07:44:45 2026 GMT", past 2049 too), beside
# SSL_PEER_CERT_HASH and SSL_PEER_CERT_SUBJECT (RFC 4514), the session's
# facts, and SSL_TLS_SNI_SERVERNAME, the name ucspitlsc sent (none with
# -N) -- the same in the Y block and in immediate mode's environment, and
# never an SSL_CLIENT_* fact, not even when ucspitlsc sends a client
# certificate.  Checked by tests/apps/facts-check.py, each value exact
# (the dates and serials as openssl reads them).
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA
leaf_cert odd $'/C=DE/O=M\xc3\xbcller & S\xc3\xb6hne\\/Ost/CN=localhost/emailAddress=tls@example.org' serverAuth \
  ec 12000 0x800000000000000000000001
printf -v odd_dn '/C=DE/O=M\xc3\xbcller & S\xc3\xb6hne\\x2fOst/CN=localhost/emailAddress=tls@example.org'
printf -v odd_subject 'emailAddress=tls@example.org,CN=localhost,O=M\xc3\xbcller & S\xc3\xb6hne/Ost,C=DE'

# openssl FIELD CERT -- what `openssl x509 -FIELD` says, without "NAME="
ossl() { openssl x509 -in "$2" -noout "-$1" | sed 's/^[^=]*=//'; }
# certfacts CERT -- the facts of CERT that ucspitlsc must give, as
# openssl reads them, in $certfacts
certfacts() {
  certfacts=("SSL_PEER_CERT_HASH=SHA256:$(cert_sha256 "$1")"
    "SSL_SERVER_M_SERIAL=$("$PY" -c 'import sys; print(int(sys.argv[1], 16))' "$(ossl serial "$1")")"
    "SSL_SERVER_V_START=$(ossl startdate "$1")" "SSL_SERVER_V_END=$(ossl enddate "$1")")
}

# both NAME CERT KEY [-N | -y] FACTS... -- a server with CERT and KEY,
# ucspitlsc (with -k localhost, or -N, or -y and the client certificate),
# the Y block and then immediate mode's environment: the session's facts
# with the cipher the -v2 line names, CERT's, and FACTS
both() {
  local name=$1 cert=$2 key=$3 copt=(-k localhost) cenv=() sni=(SSL_TLS_SNI_SERVERNAME=localhost) cipher out
  shift 3
  case ${1:-} in
    -N) copt=(-N); sni=(); shift ;;
    -y) copt=(-y -k localhost); cenv=("CERTFILE=$CLIENT_CERT" "KEYFILE=$CLIENT_KEY"); shift ;;
  esac
  certfacts "$cert"
  CERTFILE=$cert KEYFILE=$key start_tcpserver "${name}_d" ucspitlsd -Y "$PY" "$APPS/smtpish.py" y
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" env "${cenv[@]}" ucspitlsc -v2 "${copt[@]}" \
    "$APPS/client-smtp" Y "$T/$name.Y.log" "$T/$name.block" 2>"$T/$name.Y.err" \
    || fail "$name, Y: $(cat "$T/$name.Y.err") $(tail -n 3 "$T/$name.Y.log")"
  wait_lines "$T/$name.Y.err" 1   # the TLS child's -v2 line, at its end
  cipher=$(sed -n 's/.* cipher=\([^ ]*\) .*/\1/p' "$T/$name.Y.err")
  out=$("$PY" "$APPS/facts-check.py" --side c --tls "$cipher" "$T/$name.block" "${sni[@]}" "${certfacts[@]}" "$@") \
    || fail "$name, the Y block: $out"
  stop "${name}_d"
  CERTFILE=$cert KEYFILE=$key start_tcpserver "${name}_i" ucspitlsd -i -Y cat
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" env "${cenv[@]}" ucspitlsc -i -v2 "${copt[@]}" \
    "$PY" "$APPS/dumpenv.py" "$T/$name.env" 2>"$T/$name.i.err" || fail "$name, -i: $(cat "$T/$name.i.err")"
  wait_file "$T/$name.env"
  wait_lines "$T/$name.i.err" 1
  cipher=$(sed -n 's/.* cipher=\([^ ]*\) .*/\1/p' "$T/$name.i.err")
  out=$("$PY" "$APPS/facts-check.py" --side c --env --tls "$cipher" "$T/$name.env" "${sni[@]}" "${certfacts[@]}" "$@") \
    || fail "$name, immediate mode's environment: $out"
  stop "${name}_i"
}

ca_dn="/O=ucspitls tests/CN=ucspitls test CA"
ec=(SSL_SERVER_S_DN=/CN=localhost SSL_SERVER_S_DN_CN=localhost "SSL_SERVER_I_DN=$ca_dn"
  SSL_PEER_CERT_SUBJECT=CN=localhost)

# 1. EC, RSA: the test CA's server certificates
both ec "$SRV_CERT" "$SRV_KEY" "${ec[@]}"
both rsa "$RSA_CERT" "$RSA_KEY" "${ec[@]}"
case $(tr '\0' '\n' <"$T/rsa.block" | sed -n 's/^SSL_CIPHER=//p') in
  ECDHE-RSA-*) ;;
  *) fail "the RSA certificate did not give an ECDHE-RSA suite: $(tr '\0' ' ' <"$T/rsa.block")" ;;
esac

# 2. a chain: the issuer is the intermediate
both chain "$CHAIN_CERT" "$CHAIN_KEY" SSL_SERVER_S_DN=/CN=localhost SSL_SERVER_S_DN_CN=localhost \
  "SSL_SERVER_I_DN=/O=ucspitls tests/CN=ucspitls test intermediate" SSL_PEER_CERT_SUBJECT=CN=localhost

# 3. UTF-8, a slash in a value, an email, a serial of 12 bytes with the
# high bit set (a leading zero byte in DER), valid past 2049
both odd "$T/odd.pem" "$T/odd.key" "SSL_SERVER_S_DN=$odd_dn" SSL_SERVER_S_DN_CN=localhost \
  SSL_SERVER_S_DN_Email=tls@example.org "SSL_SERVER_I_DN=$ca_dn" "SSL_PEER_CERT_SUBJECT=$odd_subject" \
  SSL_SERVER_M_SERIAL=39614081257132168796771975169 'SSL_SERVER_V_END~... .. ..:..:.. 20[5-9]. GMT'

# 4. -N: no name sent, none in the facts
both noname "$SRV_CERT" "$SRV_KEY" -N "${ec[@]}"

# 5. a client certificate sent (-y): still only the server's facts
both clientcert "$SRV_CERT" "$SRV_KEY" -y "${ec[@]}"
pass
