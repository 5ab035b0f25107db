#!/bin/bash
# starttls-handshake-failure: in delayed mode, a client that answers the
# STARTTLS go-ahead with something that is not a ClientHello makes the
# handshake fail: the control channel closes with no block (with `Y`, not
# even the final NUL), prog sees end-of-file on SSLREADFD, the TLS child
# exits 98 naming BearSSL's error, and nothing at all is sent in
# plaintext after the 220 (a TLS alert record at most).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log

# (run with PYTHONPATH=$APPS, for ucspiapp)
cat >"$T/client.py" <<'PYEOF'
import socket, sys
from ucspiapp import smtp_reply as reply
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
assert reply(s.recv).startswith(b"220 ")
s.sendall(b"EHLO broken.example\r\n")
assert reply(s.recv).startswith(b"250 ")
s.sendall(b"STARTTLS\r\n")
r = reply(s.recv)
assert r.startswith(b"220 "), r
s.sendall(b"EHLO this is not a ClientHello\r\n")
got = b""
while True:
    try:
        b = s.recv(4096)
    except ConnectionResetError:
        break
    if not b:
        break
    got += b
print("after-220", got.hex() or "nothing")
PYEOF

n=0
for byte in y Y; do
  n=$((n + 1))
  rm -f "$T/block"
  start_tcpserver "srv$byte" ucspitlsd "$PY" "$APPS/smtpish.py" "$byte"
  PYTHONPATH=$APPS with_timeout 30 "$PY" "$T/client.py" "$PORT" >"$T/client$byte.log" 2>&1 \
    || fail "client ($byte): $(cat "$T/client$byte.log")"
  wait_lines "$T/status" "$n"
  assert_eq "exit 98" "$(sed -n "${n}p" "$T/status")" "TLS child status ($byte)"
  got=$(sed -n 's/^after-220 //p' "$T/client$byte.log")
  case $got in
    nothing|15030[0-3]*) ;;
    *) fail "after the 220 the client received something other than an alert ($byte): $got" ;;
  esac
  [ -f "$T/block" ] || fail "the app never saw end-of-file on SSLCTLFD ($byte)"
  [ ! -s "$T/block" ] || fail "a block came although the handshake failed ($byte): $(od -An -c "$T/block")"
  grep -q '^ucspitlsd: fatal: .*BR_ERR_' "$T/srv$byte.err" \
    || fail "no fatal message naming BearSSL's error ($byte): $(cat "$T/srv$byte.err")"
  stop "srv$byte"
done
# the app switched, then read end-of-file on SSLREADFD: no command after
assert_eq 2 "$(grep -c '^tls$' "$T/app.log")" "switches to TLS"
if grep -A1 '^tls$' "$T/app.log" | grep -q '^cmd '; then
  fail "the app received a command after the failed handshake"
fi
assert_eq 2 "$(grep -A1 '^tls$' "$T/app.log" | grep -c '^eof$')" "end-of-file on SSLREADFD"
pass
