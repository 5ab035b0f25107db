#!/bin/bash
# log-peer-address: at the default -v1, every warning and fatal line of a
# connection ends with " (peer=IP:PORT)", the peer's address as
# tcpserver (or tcpclient) gave it: a failed handshake in immediate and
# in delayed mode, a control-protocol error (the wrapper's line), a
# client whose server fails its check.  On the client side the -v2
# line's peer= is the server's address too (the name is in sni=).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# garbage PORT -- send a line that is no ClientHello, print our own port
cat >"$T/garbage.py" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
print(s.getsockname()[1], flush=True)
if len(sys.argv) > 2:
    # delayed: through the STARTTLS dialogue of smtpish first
    f = s.makefile("rb")
    assert f.readline().startswith(b"220")
    s.sendall(b"STARTTLS\r\n")
    assert f.readline().startswith(b"220")
s.sendall(b"EHLO this is not a ClientHello\r\n")
try:
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass
PYEOF

# one_fatal FILE PORT WHAT -- FILE has exactly one line, a fatal one
# naming WHAT and ending with our peer address
one_fatal() {
  wait_lines "$1" 1 30
  sleep 0.2
  assert_eq 1 "$(wc -l <"$1")" "lines in $1: $(cat "$1")"
  grep -qE "^ucspitls[dc]: fatal: .*$3.* \(peer=127\.0\.0\.1:$2\)\$" "$1" \
    || fail "the fatal line does not end with (peer=127.0.0.1:$2): $(cat "$1")"
}

# 1. immediate mode, a failed handshake
start_tcpserver imm ucspitlsd -i cat
p=$(with_timeout 30 "$PY" "$T/garbage.py" "$PORT" | head -n 1)
one_fatal "$T/imm.err" "$p" "TLS handshake failed"

# 2. delayed mode, a failed handshake after STARTTLS
TEST_STATUS_FILE=$T/d.status start_tcpserver del ucspitlsd "$PY" "$APPS/smtpish.py" y
p=$(with_timeout 30 "$PY" "$T/garbage.py" "$PORT" starttls | head -n 1)
one_fatal "$T/del.err" "$p" "TLS handshake failed"

# 3. the control-protocol error
TEST_STATUS_FILE=$T/c.status start_tcpserver ctl ucspitlsd "$PY" "$APPS/smtpish.py" x:41
with_timeout 30 "$PY" - "$PORT" >"$T/ctl.port" <<'PYEOF' || fail "control-protocol session"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
print(s.getsockname()[1], flush=True)
f = s.makefile("rb")
assert f.readline().startswith(b"220")
s.sendall(b"STARTTLS\r\n")
f.readline()
s.sendall(b"QUIT\r\n")
f.readline()
PYEOF
one_fatal "$T/ctl.err" "$(head -n 1 "$T/ctl.port")" "control protocol error"

# 4. the client side: a server whose certificate is not for the name
start_tcpserver srv ucspitlsd -i cat
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" env CAFILE="$CA" ucspitlsc -i -k wrong.example true \
  >"$T/cli.out" 2>"$T/cli.err" && fail "the client accepted a certificate for another name"
one_fatal "$T/cli.err" "$PORT" "TLS handshake failed"

# 5. the client's -v2 line names the server's address
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" env CAFILE="$CA" ucspitlsc -v2 -i -k localhost true \
  >"$T/ok.out" 2>"$T/ok.err" || fail "client session: $(cat "$T/ok.err")"
# (the TLS child, prog's child, may write its line after prog has exited)
wait_for 20 grep -q ' end=' "$T/ok.err" || fail "no -v2 line from the client: $(cat "$T/ok.err")"
grep -qE "^ucspitlsc: info: peer=127\.0\.0\.1:$PORT sni=localhost protocol=TLSv1\.2 " "$T/ok.err" \
  || fail "the client's -v2 line does not name the server's address: $(cat "$T/ok.err")"

# 6. a TCPREMOTEIP that would forge a field is passed over: the address
# comes from the socket
start_tcpserver forged env 'TCPREMOTEIP=192.0.2.1) (peer=198.51.100.1' ucspitlsd -i cat
p=$(with_timeout 30 "$PY" "$T/garbage.py" "$PORT" | head -n 1)
one_fatal "$T/forged.err" "$p" "TLS handshake failed"
pass
