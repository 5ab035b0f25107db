#!/bin/bash
# client-verify-exit: a handshake that fails because the server's
# certificate does not satisfy the policy ends with exit 99, distinct
# from every other handshake failure (98), so that a delivery agent can
# tell "try the next MX, or without authentication" from "the server
# does not speak TLS".  Immediate mode (ucspitlsc's own status, prog
# never runs) and delayed mode (the TLS child's status, read by prog,
# its parent, through tests/apps/client-waitchild.py):
#   - PKIX: self-signed (untrusted), expired, another name: 99, the
#     fatal line names the policy and BearSSL's error, the -v2 line says
#     policy=pkix verify=FAILED:<why> end=error;
#   - DANE: only a record that does not match: 99, policy=dane;
#   - a server that answers in clear text, and one that closes at once:
#     98, as before;
#   - the same certificates with -n: 0.
. "$(dirname "$0")/lib.sh"
certs

tlsd() { # NAME CERT KEY -- ucspitlsd -i, prog says one line; sets port
  CERTFILE=$2 KEYFILE=$3 start_tcpserver "srv-$1" ucspitlsd -i sh -c 'echo hello; cat >/dev/null'
  port=$PORT
}

# imm CASE STATUS [options...] -- immediate mode; prog must not run
# unless STATUS is 0
imm() {
  local c=$1 want=$2
  shift 2
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -v2 -i "$@" \
    sh -c 'touch "$1.ran"; head -n 1 <&6' prog "$T/$c" >"$T/$c.out" 2>"$T/$c.err"
  assert_eq "$want" "$?" "$c: exit status ($(cat "$T/$c.err"))"
  if [ "$want" = 0 ]; then assert_eq hello "$(cat "$T/$c.out")" "$c: prog's line"
  else [ ! -e "$T/$c.ran" ] || fail "$c: prog ran"; fi
}

# del CASE STATUS [options...] -- delayed mode, prog asks for TLS with y
# and waits for its child, the TLS child
del() {
  local c=$1 want=$2
  shift 2
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -v2 "$@" \
    "$PY" "$APPS/client-waitchild.py" "$T/$c.status" \
    sh -c 'printf y >&$SSLCTLFD; exec 4<&$SSLCTLFD; cat <&4 >/dev/null; head -n 1 <&$SSLREADFD' \
    >"$T/$c.out" 2>"$T/$c.err"
  assert_file_contains "$T/$c.status" "tls exit $want" "$c"
}

# policy_failed CASE POLICY VERIFY BRERR
policy_failed() {
  grep -q "^ucspitlsc: fatal: TLS handshake failed: policy $2: .*($4) (peer=127.0.0.1:[0-9]*)\$" "$T/$1.err" \
    || fail "$1: the fatal line: $(cat "$T/$1.err")"
  grep -q "^ucspitlsc: info: .* policy=$2 verify=$3 end=error\$" "$T/$1.err" \
    || fail "$1: the -v2 line: $(cat "$T/$1.err")"
}

export CAFILE=$CA
tlsd self "$SELF_CERT" "$SELF_KEY"
imm self 99 -k localhost; policy_failed self pkix FAILED:untrusted BR_ERR_X509_NOT_TRUSTED
del self-d 99 -k localhost; policy_failed self-d pkix FAILED:untrusted BR_ERR_X509_NOT_TRUSTED
imm self-n 0 -n -k localhost
tlsd expired "$EXPIRED_CERT" "$EXPIRED_KEY"
imm expired 99 -k localhost; policy_failed expired pkix FAILED:expired BR_ERR_X509_EXPIRED
del expired-d 99 -k localhost; policy_failed expired-d pkix FAILED:expired BR_ERR_X509_EXPIRED
imm expired-n 0 -n -k localhost
tlsd other "$MAIL_CERT" "$MAIL_KEY"
imm other 99 -k localhost; policy_failed other pkix FAILED:name-mismatch BR_ERR_X509_BAD_SERVER_NAME
del other-d 99 -k localhost; policy_failed other-d pkix FAILED:name-mismatch BR_ERR_X509_BAD_SERVER_NAME
imm other-n 0 -n -k localhost
# the control: the right name
imm good-other 0 -k mail.example.org
del good-other-d 0 -k mail.example.org
assert_eq hello "$(cat "$T/good-other-d.out")" "delayed control session"

# DANE, one record that does not match
TLSA="3 1 1 $(printf '%064d' 0)" imm dane 99 -k localhost
policy_failed dane dane FAILED:no-tlsa-match BR_ERR_X509_NOT_TRUSTED
TLSA="3 1 1 $(printf '%064d' 0)" del dane-d 99 -k localhost
policy_failed dane-d dane FAILED:no-tlsa-match BR_ERR_X509_NOT_TRUSTED

# not a certificate's fault: 98
start_tcpserver srv-plain sh -c 'printf "220 mx.test ESMTP, not TLS\r\n"; sleep 2'
port=$PORT
imm plain 98 -k localhost
imm plain-n 98 -n
del plain-d 98 -k localhost
grep -q "policy=" "$T/plain.err" && grep -q "verify=FAILED" "$T/plain.err" && fail "plain: a certificate failure: $(cat "$T/plain.err")"
start_tcpserver srv-gone true
port=$PORT
imm gone 98 -k localhost
pass
