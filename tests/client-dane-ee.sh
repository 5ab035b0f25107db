#!/bin/bash
# client-dane-ee: DANE-EE(3) records (RFC 7672 3.1.1) in TLSA, computed
# with openssl from the server's certificate, against `openssl s_server
# -www` (immediate mode).  A match authenticates the server whatever its
# certificate says of names and dates, with no anchors at all:
#   - 3 1 1, 3 0 1, 3 1 2, 3 0 0 on a self-signed certificate: the
#     session goes through, SSL_SERVER_VERIFY=SUCCESS, SSL_SERVER_DANE
#     the matching record's "usage selector mtype";
#   - a record that does not match beside one that does, in either
#     order: a match wins;
#   - an expired self-signed certificate for another name: SUCCESS, as
#     RFC 7672 says;
#   - only records that do not match: exit 99, prog never runs;
#   - only PKIX-TA(0)/PKIX-EE(1) records, which SMTP cannot use, or a
#     usage that we do not know (9): encrypted, not authenticated:
#     SSL_SERVER_VERIFY=NONE, exit 0 (RFC 7672 2.2), CAFILE or not;
#   - -n with records that do not match: FAILED:no-tlsa-match, exit 0.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/dane.sh"
certs
unset CAFILE CADIR

s_server() { # NAME CERT KEY -- sets port
  port=$(free_port)
  start_bg "$1" openssl s_server -accept "127.0.0.1:$port" -cert "$2" -key "$3" -www
  wait_port "$port"
}

# dane CASE STATUS VERIFY DANE [ucspitlsc options] -- TLSA from the
# environment
dane() {
  local c=$1 want=$2 verify=$3 d=$4
  shift 4
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -v2 -i "$@" \
    sh -c "$tls_run_prog" prog "$T/$c" 2>"$T/$c.err"
  assert_eq "$want" "$?" "$c: exit status ($(cat "$T/$c.err"))"
  if [ "$want" != 0 ]; then
    [ ! -e "$T/$c.env" ] || fail "$c: prog ran"
    return
  fi
  assert_eq "HTTP/1.0 200 ok" "$(cat "$T/$c.page")" "$c: the server's answer"
  assert_file_contains "$T/$c.env" "SSL_SERVER_VERIFY=$verify" "$c"
  if [ -n "$d" ]; then assert_file_contains "$T/$c.env" "SSL_SERVER_DANE=$d" "$c"
  else assert_file_not_contains "$T/$c.env" "SSL_SERVER_DANE" "$c"; fi
  assert_file_not_contains "$T/$c.env" "TLSA=" "$c"
  grep -q "^ucspitlsc: info: .* policy=dane verify=$verify end=ok\$" "$T/$c.err" || fail "$c: the -v2 line: $(cat "$T/$c.err")"
}

zero=$(printf '%064d' 0)
s_server srv-self "$SELF_CERT" "$SELF_KEY"
for r in "3 1 1" "3 0 1" "3 1 2" "3 0 0"; do
  TLSA=$(tlsa $r "$SELF_CERT") dane "ee-${r// /}" 0 SUCCESS "$r" -k localhost
done
TLSA="3 1 1 $zero;$(tlsa 3 0 2 "$SELF_CERT")" dane mixed1 0 SUCCESS "3 0 2" -k localhost
TLSA="$(tlsa 3 1 1 "$SELF_CERT") ; 3 0 1 $zero" dane mixed2 0 SUCCESS "3 1 1" -k localhost
TLSA="3 1 1 $zero;3 0 1 $zero;2 0 1 $zero;3 1 2 ${zero}${zero}" dane nomatch 99 "" "" -k localhost
grep -q "^ucspitlsc: fatal: TLS handshake failed: policy dane: no TLSA record matches the server's certificate (BR_ERR_X509_NOT_TRUSTED) (peer=127.0.0.1:[0-9]*)\$" "$T/nomatch.err" \
  || fail "nomatch: the fatal line: $(cat "$T/nomatch.err")"
TLSA="$(tlsa 0 0 1 "$SELF_CERT");$(tlsa 1 1 1 "$SELF_CERT")" dane pkixonly 0 NONE "" -k localhost
CAFILE=$CA TLSA="$(tlsa 1 1 1 "$SELF_CERT")" dane pkixonly-ca 0 NONE "" -k localhost
TLSA="9 1 1 $zero" dane unknownusage 0 NONE "" -k localhost
TLSA="3 1 1 $zero" dane n-nomatch 0 FAILED:no-tlsa-match "" -n -k localhost
TLSA="$(tlsa 3 1 1 "$SELF_CERT")" dane n-match 0 SUCCESS "3 1 1" -n -k localhost

# an expired, self-signed certificate for another name: `openssl ca`
# back-dates it
(
  cd "$T" || exit 1
  mkdir -p db && : >db/index.txt && echo 1000 >db/serial
  printf '[ca]\ndefault_ca=c\n[c]\ndatabase=db/index.txt\nnew_certs_dir=db\nserial=db/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' >ca.cnf
  openssl ecparam -name prime256v1 -genkey -noout -out old.key &&
  openssl req -new -key old.key -subj /CN=old.example.net -out old.csr &&
  openssl ca -batch -notext -selfsign -config ca.cnf -keyfile old.key -in old.csr -out old.pem \
    -startdate 20200101000000Z -enddate 20200201000000Z
) >"$T/old.log" 2>&1 || fail "cannot make old.pem: $(tail -n 5 "$T/old.log")"
s_server srv-old "$T/old.pem" "$T/old.key"
TLSA=$(tlsa 3 1 1 "$T/old.pem") dane old 0 SUCCESS "3 1 1" -k localhost
assert_file_contains "$T/old.env" "SSL_SERVER_V_END=Feb  1 00:00:00 2020 GMT"
assert_file_contains "$T/old.env" "SSL_SERVER_S_DN_CN=old.example.net"
TLSA=$(tlsa 3 0 1 "$T/old.pem") dane old-N 0 SUCCESS "3 0 1" -N
# the same certificate without DANE: refused
CAFILE=$CA dane old-pkix 99 "" "" -k localhost
pass
