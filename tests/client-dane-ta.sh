#!/bin/bash
# client-dane-ta: DANE-TA(2) records (RFC 7672 3.1.2, RFC 7671 5.2) on
# the intermediate CA of a chain (CA -> intermediate -> leaf for
# localhost) that the server sends whole, against ucspitlsd and `openssl
# s_server -cert_chain`, no anchors given (immediate mode):
#   - 2 0 1 and 2 1 1 (and 2 0 0, 2 1 2) on the intermediate, -k localhost:
#     SUCCESS, SSL_SERVER_DANE the matching record;
#   - the same with -k for another name: the chain is anchored, but the
#     leaf is not for that name: exit 99, BR_ERR_X509_BAD_SERVER_NAME;
#   - a DANE-TA record on the root CA, which the server does not send:
#     nothing to match, 99;
#   - a DANE-TA record on the leaf itself: the leaf is its own anchor, its
#     name still checked (localhost: SUCCESS; another name: 99);
#   - -n with the record and another name: FAILED:name-mismatch, exit 0;
#   - delayed mode, y and Y: the TLS child's status 99 reaches prog, its
#     parent; with Y no facts block comes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/dane.sh"
certs
unset CAFILE CADIR

# ta CASE STATUS DANE [ucspitlsc options]
ta() {
  local c=$1 want=$2 d=$3
  shift 3
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -v2 -i "$@" \
    sh -c "$tls_run_prog" prog "$T/$c" 2>"$T/$c.err"
  assert_eq "$want" "$?" "$c: exit status ($(cat "$T/$c.err"))"
  if [ "$want" != 0 ]; then [ ! -e "$T/$c.env" ] || fail "$c: prog ran"; return; fi
  case $(cat "$T/$c.page") in "HTTP/1.0 200 ok"*) ;; *) fail "$c: the server's answer: $(cat "$T/$c.page")" ;; esac
  if [ -n "$d" ]; then
    assert_file_contains "$T/$c.env" "SSL_SERVER_VERIFY=SUCCESS" "$c"
    assert_file_contains "$T/$c.env" "SSL_SERVER_DANE=$d" "$c"
  fi
  assert_file_contains "$T/$c.env" "SSL_PEER_CERT_HASH=SHA256:$(cert_sha256 "$CHAIN_CERT")" "$c"
}

badname() { # CASE
  grep -q "^ucspitlsc: fatal: TLS handshake failed: policy dane: .*(BR_ERR_X509_BAD_SERVER_NAME) (peer=127.0.0.1:[0-9]*)\$" "$T/$1.err" \
    || fail "$1: the fatal line: $(cat "$T/$1.err")"
}

zero=$(printf '%064d' 0)
CERTFILE=$CHAIN_CERT KEYFILE=$CHAIN_KEY start_tcpserver srv-tlsd ucspitlsd -i \
  sh -c 'read -r l; printf "HTTP/1.0 200 ok from ucspitlsd\r\n"'
tlsd=$PORT
port=$(free_port)
start_bg srv-ossl openssl s_server -accept "127.0.0.1:$port" -cert "$CHAIN_CERT" -key "$CHAIN_KEY" \
  -cert_chain "$INTER_CERT" -www
wait_port "$port"
ossl=$port

for port in "$tlsd" "$ossl"; do
  s=$port
  for r in "2 0 1" "2 1 1" "2 0 0" "2 1 2"; do
    TLSA=$(tlsa $r "$INTER_CERT") ta "ta$s-${r// /}" 0 "$r" -k localhost
  done
  TLSA="2 0 1 $zero;$(tlsa 2 1 1 "$INTER_CERT")" ta "ta$s-mixed" 0 "2 1 1" -k localhost
  TLSA=$(tlsa 2 0 1 "$INTER_CERT") ta "ta$s-other" 99 "" -k other.example.org; badname "ta$s-other"
  TLSA=$(tlsa 2 1 1 "$INTER_CERT") ta "ta$s-other-n" 0 "" -n -k other.example.org
  assert_file_contains "$T/ta$s-other-n.env" "SSL_SERVER_VERIFY=FAILED:name-mismatch"
  TLSA=$(tlsa 2 0 1 "$CA") ta "ta$s-root" 99 "" -k localhost
  grep -q "policy dane: no TLSA record matches" "$T/ta$s-root.err" || fail "ta$s-root: $(cat "$T/ta$s-root.err")"
  TLSA=$(tlsa 2 0 1 "$CHAIN_CERT") ta "ta$s-leaf" 0 "2 0 1" -k localhost
  TLSA=$(tlsa 2 1 1 "$CHAIN_CERT") ta "ta$s-leaf-other" 99 "" -k other.example.org; badname "ta$s-leaf-other"
done

# delayed mode: prog is the TLS child's parent and reads its status
port=$tlsd
for ctl in y Y; do
  TLSA=$(tlsa 2 0 1 "$INTER_CERT") with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -k other.example.org \
    "$PY" "$APPS/client-waitchild.py" "$T/d$ctl.status" \
    sh -c 'printf "$1" >&$SSLCTLFD; exec 4<&$SSLCTLFD; cat <&4 >"$2"' prog "$ctl" "$T/d$ctl.block" 2>"$T/d$ctl.err"
  assert_eq "prog exit 0
tls exit 99" "$(cat "$T/d$ctl.status")" "delayed $ctl: statuses"
  [ ! -s "$T/d$ctl.block" ] || fail "delayed $ctl: a facts block after a failed handshake"
  badname "d$ctl"
done
pass
