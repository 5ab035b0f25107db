#!/bin/bash
# suites: TLS 1.2 only (a TLS 1.3-only or a TLS 1.1/1.0 client fails), and
# only ECDHE key exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305):
# a client offering only CBC, CCM, static-RSA or DHE suites fails.  Each
# allowed suite works with the EC and the RSA certificate.  The server's
# order wins: on a CPU with AES-NI an AES-GCM suite is chosen even when the
# client prefers ChaCha20; without AES-NI ChaCha20 is chosen even when the
# client prefers AES-GCM.  No renegotiation.  Every refusal is checked on
# the server side too: ucspitlsd -i exits 98.
. "$(dirname "$0")/lib.sh"
certs

export TEST_STATUS_FILE=$T/child.status TEST_LOG=$T/app.log
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver ec \
  "$APPS/record-exit" "$T/ec.status" ucspitlsd -i "$PY" "$APPS/smtpish.py"
ec_port=$PORT
CERTFILE=$RSA_CERT KEYFILE=$RSA_KEY start_tcpserver rsa \
  "$APPS/record-exit" "$T/rsa.status" ucspitlsd -i "$PY" "$APPS/smtpish.py"
rsa_port=$PORT
ec_n=0 rsa_n=0

# attempt SERVER S_CLIENT_ARGS... -- one connection; sets rc (s_client's
# status), cipher (negotiated, or empty) and st (how the server ended)
attempt() {
  local srv=$1 port n; shift
  port=$(eval echo "\$${srv}_port")
  n=$(( $(eval echo "\$${srv}_n") + 1 ))
  eval "${srv}_n=$n"
  with_timeout 30 openssl s_client -connect "127.0.0.1:$port" -CAfile "$CA" \
    -servername localhost "$@" </dev/null >"$T/$srv$n.log" 2>&1
  rc=$?
  cipher=$(sed -n 's/^New, TLSv1.2, Cipher is //p' "$T/$srv$n.log")
  wait_lines "$T/$srv.status" "$n" 15
  st=$(sed -n "${n}p" "$T/$srv.status")
}

refused() { # WHY SERVER S_CLIENT_ARGS...
  local why=$1; shift
  attempt "$@"
  [ "$rc" != 0 ] || fail "$why: the client connected ($cipher)"
  [ -z "$cipher" ] || fail "$why: a suite was negotiated: $cipher"
  assert_eq "exit 98" "$st" "$why: ucspitlsd status"
  say "refused: $why"
}

accepted() { # SUITE SERVER S_CLIENT_ARGS...
  local want=$1; shift
  attempt "$@"
  [ "$rc" = 0 ] || fail "$want: the client failed: $(grep -i error "$T/$1$(eval echo "\$${1}_n").log" | head -n 2)"
  assert_eq "$want" "$cipher" "negotiated suite"
  assert_eq "exit 0" "$st" "$want: prog status"
}

# 1. protocol versions
refused "TLS 1.3 only" ec -tls1_3
refused "TLS 1.3 only (RSA)" rsa -tls1_3
refused "TLS 1.1" ec -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
refused "TLS 1.0" ec -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
refused "TLS 1.1 (RSA)" rsa -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
grep -q 'BR_ERR' "$T/ec.err" || fail "the refusals' messages do not name BearSSL's error: [$(cat "$T/ec.err")]"

# 2. suites that are not ECDHE + AEAD
refused "AES-CBC only" ec -tls1_2 \
  -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA'
refused "AES-CBC only (RSA)" rsa -tls1_2 \
  -cipher 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA'
refused "AES-CCM only" ec -tls1_2 \
  -cipher 'ECDHE-ECDSA-AES128-CCM:ECDHE-ECDSA-AES256-CCM:ECDHE-ECDSA-AES128-CCM8:ECDHE-ECDSA-AES256-CCM8'
refused "static RSA key exchange" rsa -tls1_2 -cipher 'AES128-GCM-SHA256:AES256-GCM-SHA384'
refused "DHE key exchange" rsa -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305'

# 3. every allowed suite, with each certificate
for s in AES128-GCM-SHA256 AES256-GCM-SHA384 CHACHA20-POLY1305; do
  accepted "ECDHE-ECDSA-$s" ec -tls1_2 -cipher "ECDHE-ECDSA-$s"
  accepted "ECDHE-RSA-$s" rsa -tls1_2 -cipher "ECDHE-RSA-$s"
done

# 4. the server's preference
if grep -qw aes /proc/cpuinfo; then
  say "AES-NI: the server must prefer AES-GCM"
  for srv in ec rsa; do
    k=ECDSA; [ "$srv" = rsa ] && k=RSA
    attempt "$srv" -tls1_2 -cipher "ECDHE-$k-CHACHA20-POLY1305:ECDHE-$k-AES128-GCM-SHA256:ECDHE-$k-AES256-GCM-SHA384"
    case $cipher in "ECDHE-$k-AES"*"-GCM-"*) ;; *) fail "$srv: client preferring ChaCha20 got [$cipher], expected AES-GCM" ;; esac
    attempt "$srv" -tls1_2 -cipher "ECDHE-$k-CHACHA20-POLY1305:ECDHE-$k-AES256-GCM-SHA384"
    assert_eq "ECDHE-$k-AES256-GCM-SHA384" "$cipher" "$srv: client preferring ChaCha20 over AES256-GCM"
  done
else
  say "no AES-NI: the server must prefer ChaCha20"
  for srv in ec rsa; do
    k=ECDSA; [ "$srv" = rsa ] && k=RSA
    attempt "$srv" -tls1_2 -cipher "ECDHE-$k-AES128-GCM-SHA256:ECDHE-$k-AES256-GCM-SHA384:ECDHE-$k-CHACHA20-POLY1305"
    assert_eq "ECDHE-$k-CHACHA20-POLY1305" "$cipher" "$srv: client preferring AES-GCM"
  done
fi

# 5. no renegotiation: a client-initiated renegotiation never completes;
# the session either goes on unchanged or ends with a TLS error
nchild=$(wc -l <"$T/child.status")
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
  'expect ^220 ' 'send XECHO before' 'expect ^250 before$' \
  'send R' 'send XECHO after' 'close' 'exit any' \
  -- openssl s_client -connect "127.0.0.1:$ec_port" -CAfile "$CA" -servername localhost \
  >"$T/reneg.log" 2>&1 || fail "renegotiation client: $(tail -n 3 "$T/reneg.log")"
ec_n=$((ec_n + 1))
grep -q '^RENEGOTIATING' "$T/reneg.log" || fail "s_client did not try to renegotiate: $(tail -n 5 "$T/reneg.log")"
sed -n '/^RENEGOTIATING/,$p' "$T/reneg.log" | grep -qE '^(depth=|verify return:|New, TLS|Verification)' \
  && fail "a second handshake completed: $(sed -n '/^RENEGOTIATING/,$p' "$T/reneg.log")"
wait_lines "$T/ec.status" "$ec_n" 15
st=$(sed -n "${ec_n}p" "$T/ec.status")
if grep -q '^250 after' "$T/reneg.log"; then
  say "renegotiation refused, session went on"
else
  wait_lines "$T/child.status" $((nchild + 1)) 15
  assert_eq "exit 98" "$(tail -n 1 "$T/child.status")" "TLS child status after a renegotiation attempt"
  grep -qi 'renegotiat' "$T/ec.err" || fail "no message about the renegotiation: [$(tail -n 3 "$T/ec.err")]"
  say "renegotiation refused, session ended"
fi
pass
