#!/bin/bash
# client-verify-gnutls: ucspitlsc's policies against GnuTLS's server,
# `gnutls-serv --http`, with a certificate of the test CA, a chain
# through an intermediate, a self-signed one, an expired one and one for
# another name (immediate mode):
#   - the default policy: the CA's certificate and the chain go through
#     (SUCCESS); the others end with 99, prog never runs;
#   - -n with CAFILE: every session goes through, SSL_SERVER_VERIFY says
#     SUCCESS or FAILED:untrusted, FAILED:expired, FAILED:name-mismatch;
#     without anchors NONE;
#   - DANE: 3 1 1 on the self-signed certificate, 2 0 1 on the chain's
#     intermediate: SUCCESS.
# gnutls-serv cannot be told to listen on loopback only: the test runs
# in a network namespace of its own, where loopback is the only
# interface (unshare -n); where there is none to be had, it is skipped.
if [ -z "${UCSPITLS_IN_NETNS:-}" ]; then
  if unshare -n true 2>/dev/null; then
    UCSPITLS_IN_NETNS=1 exec unshare -n bash "$0" "$@"
  fi
  . "$(dirname "$0")/lib.sh"
  skip "no network namespace (unshare -n) for gnutls-serv, which listens on every interface"
fi
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/dane.sh"
ip link set lo up 2>/dev/null || "$PY" -c 'import socket; socket.socket().bind(("127.0.0.1", 0))' \
  || fail "no loopback in the network namespace"
command -v gnutls-serv >/dev/null || fail "gnutls-serv not found (gnutls-bin)"
certs
unset CAFILE CADIR

# serv NAME CERT KEY -- sets port
serv() {
  port=$(free_port)
  start_bg "srv-$1" gnutls-serv --http -p "$port" --x509certfile "$2" --x509keyfile "$3"
  wait_port "$port" 20
}

# check CASE STATUS VERIFY [ucspitlsc options]
check() {
  local c=$1 want=$2 verify=$3
  shift 3
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -v2 -i "$@" \
    sh -c "$tls_run_prog" prog "$T/$c" 2>"$T/$c.err"
  assert_eq "$want" "$?" "$c: exit status ($(cat "$T/$c.err"))"
  if [ "$want" != 0 ]; then
    [ ! -e "$T/$c.env" ] || fail "$c: prog ran"
    grep -q '^ucspitlsc: fatal: TLS handshake failed: policy pkix: ' "$T/$c.err" || fail "$c: $(cat "$T/$c.err")"
    return
  fi
  case $(cat "$T/$c.page") in [Hh][Tt][Tt][Pp]/1.?" 200 "*) ;; *) fail "$c: gnutls-serv's answer: $(cat "$T/$c.page")" ;; esac
  assert_file_contains "$T/$c.env" "SSL_SERVER_VERIFY=$verify" "$c"
}

serv good "$SRV_CERT" "$SRV_KEY"
CAFILE=$CA check good 0 SUCCESS -k localhost
check good-n 0 NONE -n
serv chain "$CHAIN_CERT" "$CHAIN_KEY"
CAFILE=$CA check chain 0 SUCCESS -k localhost
TLSA=$(tlsa 2 0 1 "$INTER_CERT") check chain-dane 0 SUCCESS -k localhost
assert_file_contains "$T/chain-dane.env" "SSL_SERVER_DANE=2 0 1"
serv self "$SELF_CERT" "$SELF_KEY"
CAFILE=$CA check self 99 "" -k localhost
CAFILE=$CA check self-n 0 FAILED:untrusted -n -k localhost
check self-none 0 NONE -n -k localhost
TLSA=$(tlsa 3 1 1 "$SELF_CERT") check self-dane 0 SUCCESS -k localhost
assert_file_contains "$T/self-dane.env" "SSL_SERVER_DANE=3 1 1"
serv expired "$EXPIRED_CERT" "$EXPIRED_KEY"
CAFILE=$CA check expired 99 "" -k localhost
CAFILE=$CA check expired-n 0 FAILED:expired -n -k localhost
serv other "$MAIL_CERT" "$MAIL_KEY"
CAFILE=$CA check other 99 "" -k localhost
CAFILE=$CA check other-n 0 FAILED:name-mismatch -n -k localhost
check other-none 0 NONE -n
pass
