#!/bin/bash
# systemd-socket-activate: under a launcher that hands the connection on
# fds 0/1 and says nothing of it (systemd's Accept=yes socket units,
# inetd; here systemd-socket-activate --accept --inetd, which also clears
# the environment), the peer's address comes from the socket: the -v2
# line and every fatal line name it, and prog finds what tcpserver would
# have set (PROTO, TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT),
# in immediate and in delayed mode.  systemd's REMOTE_ADDR/REMOTE_PORT,
# when set, name the peer in the lines.  Over IPv6 the address is ::1 for
# prog and [::1]:PORT in the lines; an IPv4 client of a dual-stack
# listener is 127.0.0.1, not ::ffff:127.0.0.1.
. "$(dirname "$0")/lib.sh"
command -v systemd-socket-activate >/dev/null 2>&1 \
  || skip "systemd-socket-activate is not installed (Debian's systemd package has it)"
certs

# activate NAME ARGS... -- systemd-socket-activate on a free port (PORT),
# running ucspitlsd ARGS... for each connection; its stderr in $T/NAME.err
activate() {
  local name=$1; shift
  PORT=$(free_port)
  start_bg "$name" systemd-socket-activate -l "${SA_LISTEN:-127.0.0.1}:$PORT" --accept --inetd \
    -E "UCSPITLS_TEST_ID=$UCSPITLS_TEST_ID" -E "CERTFILE=$SRV_CERT" -E "KEYFILE=$SRV_KEY" \
    -E "TEST_STATUS_FILE=$T/$name.status" ${SA_ENV[@]+"${SA_ENV[@]}"} \
    "$TOP/src/ucspitlsd" "$@"
  wait_for 10 port_listening "$PORT" || fail "$name: nothing listens on $PORT"
  eval "PORT_$name=\$PORT"
}

# session NAME STEPS... -- tlsclient against NAME's port; asks smtpish for
# the five variables, checks them, and checks that the -v2 line names the
# client's address
session() {
  local name=$1 rport; shift
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost "$@" \
    'send XENV PROTO' 'reply 250 ^250 PROTO=TCP$' \
    'send XENV TCPREMOTEIP' 'reply 250 ^250 TCPREMOTEIP=127\.0\.0\.1$' \
    'send XENV TCPREMOTEPORT' 'reply 250 ^250 TCPREMOTEPORT=[0-9]+$' \
    'send XENV TCPLOCALIP' 'reply 250 ^250 TCPLOCALIP=127\.0\.0\.1$' \
    'send XENV TCPLOCALPORT' "reply 250 ^250 TCPLOCALPORT=$PORT\$" \
    'send XENV TCPREMOTEHOST' 'reply 250 ^250 TCPREMOTEHOST unset$' \
    'send QUIT' 'reply 221' eof >"$T/$name.client" 2>&1 \
    || fail "$name: session: $(tail -n 3 "$T/$name.client")"
  rport=$(sed -n 's/^S: 250 TCPREMOTEPORT=//p' "$T/$name.client")
  wait_for 20 grep -q " end=ok\$" "$T/$name.err" || fail "$name: no -v2 line: $(cat "$T/$name.err")"
  grep -qE "^ucspitlsd: info: peer=127\.0\.0\.1:$rport sni=localhost protocol=TLSv1\.2 .* end=ok\$" "$T/$name.err" \
    || fail "$name: the -v2 line does not name 127.0.0.1:$rport: $(grep ucspitlsd "$T/$name.err")"
}

# 1. immediate mode
activate imm -v2 -i "$PY" "$APPS/smtpish.py"
session imm tls 'reply 220'

# 2. delayed mode
activate del -v2 "$PY" "$APPS/smtpish.py" y
session del 'reply 220' 'send EHLO sa.example' 'reply 250 ^250-STARTTLS$' 'send STARTTLS' 'reply 220' tls

# 3. a failed handshake, in both modes: the fatal line names the peer
for m in imm del; do
  eval "port=\$PORT_$m"
  args=(); [ "$m" = del ] && args=(--starttls)
  with_timeout 60 "$PY" "$APPS/hostile.py" -p "$port" "${args[@]}" garbage-text >"$T/$m-bad.client" 2>&1
  wait_for 20 grep -q ': fatal: ' "$T/$m.err" || fail "$m: no fatal line: $(cat "$T/$m.err")"
  grep -qE '^ucspitlsd: fatal: TLS handshake failed: .* \(peer=127\.0\.0\.1:[0-9]+\)$' "$T/$m.err" \
    || fail "$m: the fatal line does not name the peer: $(grep ucspitlsd "$T/$m.err")"
done

# 4. REMOTE_ADDR and REMOTE_PORT, as systemd sets them for Accept=yes
SA_ENV=(-E REMOTE_ADDR=192.0.2.9 -E REMOTE_PORT=4242)
activate ra -i "$PY" "$APPS/smtpish.py"
with_timeout 60 "$PY" "$APPS/hostile.py" -p "$PORT" garbage-text >"$T/ra-bad.client" 2>&1
wait_for 20 grep -q ': fatal: ' "$T/ra.err" || fail "ra: no fatal line: $(cat "$T/ra.err")"
grep -qE '^ucspitlsd: fatal: TLS handshake failed: .* \(peer=192\.0\.2\.9:4242\)$' "$T/ra.err" \
  || fail "ra: the fatal line does not name REMOTE_ADDR:REMOTE_PORT: $(grep ucspitlsd "$T/ra.err")"

# 5. IPv6, and an IPv4 client of a dual-stack listener
SA_ENV=()
SA_LISTEN='[::1]' activate six -v2 -i "$PY" "$APPS/smtpish.py"
with_timeout 40 "$PY" "$APPS/tlsclient.py" --host ::1 -p "$PORT" --ca "$CA" --sni localhost tls 'reply 220' \
  'send XENV TCPREMOTEIP' 'reply 250 ^250 TCPREMOTEIP=::1$' 'send XENV TCPLOCALIP' 'reply 250 ^250 TCPLOCALIP=::1$' \
  'send QUIT' 'reply 221' eof >"$T/six.client" 2>&1 || fail "six: session: $(tail -n 3 "$T/six.client")"
wait_for 20 grep -q ' end=ok$' "$T/six.err" || fail "six: no -v2 line: $(cat "$T/six.err")"
grep -qE '^ucspitlsd: info: peer=\[::1\]:[0-9]+ sni=localhost ' "$T/six.err" \
  || fail "six: the -v2 line does not name [::1]:PORT: $(grep ucspitlsd "$T/six.err")"
SA_LISTEN='[::]' activate dual -v2 -i "$PY" "$APPS/smtpish.py"
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls 'reply 220' \
  'send XENV TCPREMOTEIP' 'reply 250 ^250 TCPREMOTEIP=127\.0\.0\.1$' \
  'send QUIT' 'reply 221' eof >"$T/dual.client" 2>&1 || fail "dual: session: $(tail -n 3 "$T/dual.client")"
wait_for 20 grep -q ' end=ok$' "$T/dual.err" || fail "dual: no -v2 line: $(cat "$T/dual.err")"
grep -qE '^ucspitlsd: info: peer=127\.0\.0\.1:[0-9]+ sni=localhost ' "$T/dual.err" \
  || fail "dual: the -v2 line does not name 127.0.0.1:PORT: $(grep ucspitlsd "$T/dual.err")"
pass
