#!/bin/bash
# client-verify-none: ucspitlsc -n, encryption without authentication, as
# a delivery agent runs it for opportunistic TLS.  Against
# `openssl s_server -www` and against ucspitlsd, each with a certificate
# of the test CA, a chain through an intermediate, a self-signed one, an
# expired one, and one for another name (mail.example.org, asked for as
# localhost): every session goes through (prog gets the server's
# answer, ucspitlsc exits 0), and prog's environment says how the
# certificate fared:
#   with CAFILE    SSL_SERVER_VERIFY=SUCCESS for the CA's certificate
#                  and the chain, FAILED:untrusted, FAILED:expired,
#                  FAILED:name-mismatch for the others;
#   without        NONE for all, with no anchors to check against;
# the certificate's facts are there in every case (SSL_PEER_CERT_HASH
# the DER's SHA-256, SSL_SERVER_S_DN), and the -v2 line says
# policy=pkix or policy=none and the same outcome.  -n needs no -k.
. "$(dirname "$0")/lib.sh"
certs

# s_server NAME CERT KEY [CHAIN] -- `openssl s_server -www`; sets port
s_server() {
  port=$(free_port)
  start_bg "$1" openssl s_server -accept "127.0.0.1:$port" -cert "$2" -key "$3" ${4:+-cert_chain "$4"} -www
  wait_port "$port"
}

# tlsd NAME CERT KEY -- ucspitlsd -i under tcpserver, a prog that answers
# an HTTP request's first line; sets port
tlsd() {
  CERTFILE=$2 KEYFILE=$3 start_tcpserver "$1" ucspitlsd -i \
    sh -c 'read -r l; printf "HTTP/1.0 200 ok from ucspitlsd\r\n"'
  port=$PORT
}

# check CASE CERT VERIFY [ucspitlsc options...] -- one session; prog
# records its facts and the server's first line
check() {
  local c=$1 cert=$2 verify=$3 policy
  shift 3
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -v2 -i -n "$@" \
    sh -c 'env >"$1.env"; printf "GET / HTTP/1.0\r\n\r\n" >&7; exec 7>&-; head -n 1 <&6 >"$1.page"; cat <&6 >/dev/null' \
    prog "$T/$c" 2>"$T/$c.err"
  assert_eq 0 "$?" "$c: exit status ($(cat "$T/$c.err"))"
  case $(tr -d '\r' <"$T/$c.page") in "HTTP/1.0 200 ok"*) ;; *) fail "$c: the server's answer: $(cat "$T/$c.page")" ;; esac
  assert_file_contains "$T/$c.env" "SSL_SERVER_VERIFY=$verify" "$c"
  assert_file_not_contains "$T/$c.env" "SSL_SERVER_DANE=" "$c"
  assert_file_contains "$T/$c.env" "SSL_PEER_CERT_HASH=SHA256:$(cert_sha256 "$cert")" "$c"
  assert_file_contains "$T/$c.env" "SSL_SERVER_S_DN=/" "$c"
  if [ -n "${CAFILE:-}" ]; then policy=pkix; else policy=none; fi
  grep -q "^ucspitlsc: info: .* policy=$policy verify=$verify end=ok\$" "$T/$c.err" \
    || fail "$c: the -v2 line: $(cat "$T/$c.err")"
}

# all KIND -- the five certificates behind one kind of server
all() {
  local k=$1
  $k "srv-$k-good" "$SRV_CERT" "$SRV_KEY"
  CAFILE=$CA check "$k-good-ca" "$SRV_CERT" SUCCESS -k localhost
  check "$k-good" "$SRV_CERT" NONE -k localhost
  if [ "$k" = s_server ]; then s_server "srv-$k-chain" "$CHAIN_CERT" "$CHAIN_KEY" "$INTER_CERT"
  else $k "srv-$k-chain" "$CHAIN_CERT" "$CHAIN_KEY"; fi
  CAFILE=$CA check "$k-chain-ca" "$CHAIN_CERT" SUCCESS -k localhost
  check "$k-chain" "$CHAIN_CERT" NONE
  $k "srv-$k-self" "$SELF_CERT" "$SELF_KEY"
  CAFILE=$CA check "$k-self-ca" "$SELF_CERT" FAILED:untrusted -k localhost
  check "$k-self" "$SELF_CERT" NONE -k localhost
  $k "srv-$k-expired" "$EXPIRED_CERT" "$EXPIRED_KEY"
  CAFILE=$CA check "$k-expired-ca" "$EXPIRED_CERT" FAILED:expired -k localhost
  check "$k-expired" "$EXPIRED_CERT" NONE
  $k "srv-$k-other" "$MAIL_CERT" "$MAIL_KEY"
  CAFILE=$CA check "$k-other-ca" "$MAIL_CERT" FAILED:name-mismatch -k localhost
  check "$k-other" "$MAIL_CERT" NONE -k localhost
  # -N with anchors: the chain is checked, any name will do
  CAFILE=$CA check "$k-other-N" "$MAIL_CERT" SUCCESS -N
}

all s_server
all tlsd
pass
