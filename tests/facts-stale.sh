#!/bin/bash
# facts-stale: a fact's name in the caller's environment never reaches
# prog with the caller's value, for every fact (the ucspi-ssl ones added
# later, the certificate's DN parts, serial and dates, as the first
# ones), on both sides, in both modes.  s/qmail makes a relay client
# of anyone whose session has SSL_CLIENT_S_DN, whatever its value, so a
# stale one inherited by ucspitlsd (a run script that was once under
# sslserver, a nested wrapper) must not get through.  In delayed mode
# prog gets no fact at all before TLS; in immediate mode exactly the
# session's (tests/apps/facts-check.py).
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA
stale=()
for n in PROTOCOL CIPHER CIPHER_USEKEYSIZE CIPHER_ALGKEYSIZE TLS_SNI_SERVERNAME PEER_CERT_HASH \
         PEER_CERT_SUBJECT SESSION_ID VERSION_LIBRARY PADDING; do
  stale+=("SSL_$n=stale")
done
for r in CLIENT SERVER; do
  for n in S_DN S_DN_CN S_DN_Email I_DN M_SERIAL V_START V_END; do stale+=("SSL_${r}_$n=stale"); done
done
stale+=(SSL_SERVER_VERIFY=stale SSL_SERVER_DANE=stale)

# check NAME ARGS... -- facts-check.py on $T/NAME.env
check() {
  local name=$1 out; shift
  wait_file "$T/$name.env"
  out=$("$PY" "$APPS/facts-check.py" --env "$T/$name.env" "$@") || fail "$name: $out"
}

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
# 1. ucspitlsd, delayed: prog declines at once; no fact before TLS
start_tcpserver d env "${stale[@]}" ucspitlsd "$PY" "$APPS/dumpenv.py" "$T/d.env"
with_timeout 20 tcpclient -RHl0 127.0.0.1 "$PORT" sh -c 'cat <&6 >/dev/null' || fail "d: the connection failed"
check d
stop d

# 2. ucspitlsd -i, no client certificate: the session's facts only
start_tcpserver di env "${stale[@]}" ucspitlsd -i "$PY" "$APPS/dumpenv.py" "$T/di.env"
with_timeout 20 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls readall >"$T/di.client" 2>&1 \
  || fail "di: $(tail -n 3 "$T/di.client")"
check di --tls "$(sed -n 's/^tls version=TLSv1.2 cipher=//p' "$T/di.client")" SSL_TLS_SNI_SERVERNAME=localhost
stop di

# 3. ucspitlsc, delayed, and -i: the server's facts only
start_tcpserver plain cat
with_timeout 20 tcpclient -RHl0 127.0.0.1 "$PORT" env "${stale[@]}" ucspitlsc -k localhost \
  "$PY" "$APPS/dumpenv.py" "$T/c.env" 2>"$T/c.err" || fail "c: $(cat "$T/c.err")"
check c --side c
start_tcpserver tls ucspitlsd -i cat
with_timeout 20 tcpclient -RHl0 127.0.0.1 "$PORT" env "${stale[@]}" ucspitlsc -i -v2 -k localhost \
  "$PY" "$APPS/dumpenv.py" "$T/ci.env" 2>"$T/ci.err" || fail "ci: $(cat "$T/ci.err")"
wait_lines "$T/ci.err" 1
check ci --side c --tls "$(sed -n 's/.* cipher=\([^ ]*\) .*/\1/p' "$T/ci.err")" --cert "$SRV_CERT" \
  SSL_TLS_SNI_SERVERNAME=localhost
pass
