#!/bin/bash
# hostile-renegotiation: once the handshake is done, a handshake or
# ChangeCipherSpec record from the peer is a renegotiation attempt, and
# it is refused in both directions: the TLS child exits 98 with one fatal
# line saying so, no process is left.
#   client -> ucspitlsd: an encrypted ClientHello (tests/apps/minitls), a
#     ChangeCipherSpec record, Python's ssl with an application record
#     re-typed as handshake, and openssl s_client's real renegotiation ("R")
#   server -> ucspitlsc: Python's ssl server re-typing a record as
#     handshake or ChangeCipherSpec, and openssl s_server's real
#     HelloRequest ("r")
# In every case the data before the attempt went through (the session
# worked), and the connection ends at once.
. "$(dirname "$0")/lib.sh"
certs
reason='TLS connection failed: the peer attempted a renegotiation, which is refused'

for c in reneg-hello reneg-ccs reneg-ssl; do
  n=${c//-/_}
  hostile_server "$n" -i -K 20000
  hostile "$n" "$c"
  closed_within "$n" 10
  expect_end "$n" "exit 0" "exit 98" error "$reason"
done

# delayed mode
starttls_server delayed -K 20000
hostile delayed reneg-hello --starttls
closed_within delayed 10
expect_end delayed "exit 0" "exit 98" error "$reason"

# openssl s_client: a line, its echo, then R (a real renegotiation)
hostile_server sclient -i -K 20000
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
  'expect ^Verification: OK' 'send before renegotiation' 'expect ^before renegotiation' \
  'send R' 'expect ^RENEGOTIATING' 'exit any' \
  -- openssl s_client -connect "127.0.0.1:$PORT_sclient" -CAfile "$CA" -servername localhost \
       -tls1_2 -crlf >"$T/sclient.client" 2>&1 \
  || fail "s_client session: $(tail -n 5 "$T/sclient.client")"
expect_end sclient "exit 0" "exit 98" error "$reason"
grep -q ' in=\([1-9][0-9]*\) out=\1 ' "$T/sclient.err" || fail "the line before R did not go through: $(cat "$T/sclient.err")"

# the other direction: ucspitlsc under tcpclient against a hostile server
export TLSPROG=ucspitlsc
client_case() { # NAME CASE
  local name=$1 case=$2
  rm -f "$T/$name.port"
  start_bg "srv_$name" "$PY" "$APPS/hostile-server.py" "$T/$name.port" "$SRV_CERT" "$SRV_KEY" "$case"
  wait_file "$T/$name.port"
  CAFILE=$CA with_timeout 60 tcpclient -RHl0 127.0.0.1 "$(cat "$T/$name.port")" \
    "$APPS/record-exit" "$T/$name.wrapper" ucspitlsc -i -v2 -K 20000 -k localhost \
    "$PY" "$APPS/echo-wait.py" "$T/$name.child" 6 7 </dev/null >"$T/$name.out" 2>"$T/$name.err" \
    || fail "$name: tcpclient failed: $(cat "$T/$name.err")"
  eval "wait_gone \$PID_srv_$name 30" || fail "$name: the hostile server did not end"
  cp "$T/srv_$name.out" "$T/$name.client"
  assert_file_contains "$T/$name.client" "echo hello" "$name: hostile server output"
  closed_within "$name" 10
}
for c in reneg-ssl reneg-ccs; do
  n=c_${c//-/_}
  client_case "$n" "$c"
  expect_end "$n" "exit 0" "exit 98" error "$reason"
done

# openssl s_server: a line to the client, its echo, then r (HelloRequest);
# s_server reports the failed renegotiation with ERROR and goes on listening
port=$(free_port)
with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
  'expect ^ACCEPT' 'expect ^CIPHER is' 'send hello from s_server' 'expect ^hello from s_server' \
  'send r' 'expect ^ERROR$' \
  -- openssl s_server -accept "127.0.0.1:$port" -cert "$SRV_CERT" -key "$SRV_KEY" -tls1_2 -crlf \
  >"$T/sserver.client" 2>&1 &
sspid=$!
wait_port "$port"
CAFILE=$CA with_timeout 40 tcpclient -RHl0 127.0.0.1 "$port" \
  "$APPS/record-exit" "$T/sserver.wrapper" ucspitlsc -i -v2 -K 20000 -k localhost \
  "$PY" "$APPS/echo-wait.py" "$T/sserver.child" 6 7 </dev/null >"$T/sserver.out" 2>"$T/sserver.err"
wait "$sspid" || fail "s_server session: $(tail -n 5 "$T/sserver.client")"
expect_end sserver "exit 0" "exit 98" error "$reason"
pass
