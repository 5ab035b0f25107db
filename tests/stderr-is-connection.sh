#!/bin/bash
# stderr-is-connection: inetd, and systemd's StandardError=inherit, make
# fd 2 the connection itself.  Then the TLS child (and the key process it
# forks) writes its lines nowhere rather than in clear into the TLS
# stream: a handshake that times out (its fatal line is written before
# the connection is shut) sends back nothing that is not TLS, in
# immediate and in delayed mode, even at -v2.  In immediate mode prog's fd 2 is the
# clear stream, as its fd 1 is: what prog writes there reaches the client
# encrypted.  (Here systemd-socket-activate --inetd, and 2>&1.)
. "$(dirname "$0")/lib.sh"
command -v systemd-socket-activate >/dev/null 2>&1 \
  || skip "systemd-socket-activate is not installed (Debian's systemd package has it)"
certs

# inetd NAME ARGS... -- ucspitlsd ARGS... per connection, fd 2 the socket
inetd() {
  local name=$1; shift
  PORT=$(free_port)
  start_bg "$name" systemd-socket-activate -l "127.0.0.1:$PORT" --accept --inetd \
    -E "UCSPITLS_TEST_ID=$UCSPITLS_TEST_ID" -E "CERTFILE=$SRV_CERT" -E "KEYFILE=$SRV_KEY" \
    sh -c 'exec "$@" 2>&1' sh "$TOP/src/ucspitlsd" "$@"
  wait_port "$PORT"
}

# 1. immediate mode: a ClientHello too slow for -K
inetd imm -v2 -i -K 1000 "$PY" "$APPS/smtpish.py"
with_timeout 60 "$PY" "$APPS/hostile.py" -p "$PORT" --interval 0.5 stall >"$T/imm.client" 2>&1
only_tls_back imm

# 2. delayed mode: the same after STARTTLS
inetd del -v2 -K 1000 "$PY" "$APPS/smtpish.py" y
with_timeout 60 "$PY" "$APPS/hostile.py" -p "$PORT" --starttls --interval 0.5 stall >"$T/del.client" 2>&1
only_tls_back del

# 3. immediate mode: prog's stderr reaches the client through TLS
# (as under inetd, the stream ends when prog has closed both fds: here,
# when it exits)
inetd err -v2 -i sh -c 'echo to-stderr >&2; echo to-stdout'
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  tls 'line ^to-stderr$' 'line ^to-stdout$' eof >"$T/err.client" 2>&1 \
  || fail "session with prog writing to fd 2: $(tail -n 3 "$T/err.client")"
wait_no_ucspitlsd 20
pass
