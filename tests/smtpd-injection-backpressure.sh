#!/bin/bash
# smtpd-injection-backpressure: command injection under back-pressure.  A
# client pipelines a large batch of RSETs and STARTTLS, reads the replies
# slowly (small receive buffer) so that the whole chain backs up, and then
# sends a plaintext MAIL FROM without waiting for the 220.  Whichever way
# it goes, no injected command is ever answered inside TLS:
#   - the MAIL line was read before STARTTLS was acted on: STARTTLS is
#     refused (554) and MAIL is answered in plaintext;
#   - it was not: starttls-smtpd had stopped reading the plaintext side,
#     the line reaches the TLS layer instead of a ClientHello, the
#     handshake fails, and it is never answered at all.
# Run twice: MAIL sent as soon as the batch is written (either outcome),
# and MAIL sent once every RSET has been answered (the second outcome).
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

cat >"$T/inject.py" <<'PYEOF'
import socket, ssl, sys, threading, time
port, n, when = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(30)
s.connect(("127.0.0.1", port))
buf = b""
def line():
    global buf
    while b"\n" not in buf:
        time.sleep(0.001)  # the slow reader
        c = s.recv(512)
        if not c:
            raise EOFError(repr(buf))
        buf += c
    l, buf = buf.split(b"\n", 1)
    return l.rstrip(b"\r").decode("latin-1")
def reply():
    while True:
        l = line()
        if len(l) < 4 or l[3] != "-":
            return l
reply()
s.sendall(b"EHLO c.example\r\n")
assert reply().startswith("250 "), "EHLO"
t = threading.Thread(target=s.sendall, args=(b"RSET\r\n" * n + b"STARTTLS\r\n",))
t.start()
resets = 0
if when == "early":
    t.join()
    s.sendall(b"MAIL FROM:<evil@attacker.example>\r\n")
while resets < n:
    r = reply()
    assert r.startswith("250 "), "RSET reply %d: %r" % (resets, r)
    resets += 1
t.join()
if when == "late":
    s.sendall(b"MAIL FROM:<evil@attacker.example>\r\n")
r = reply()
print("resets answered: %d" % resets)
if r.startswith("554 "):
    m = reply()
    print("refused: %s; MAIL answered in plaintext: %s" % (r, m))
    assert m.startswith("250 "), "MAIL in plaintext: %r" % m
    s.sendall(b"QUIT\r\n")
    print("quit: %s" % reply())
    sys.exit(0)
assert r.startswith("220 2.0.0"), "neither 554 nor 220: %r" % r
assert not buf, "bytes after the 220: %r" % buf
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    tls = ctx.wrap_socket(s)
except (ssl.SSLError, OSError) as e:
    print("switched: handshake failed: %s" % e)
    sys.exit(0)
tls.settimeout(3)
try:
    data = tls.recv(4096)
except (socket.timeout, ssl.SSLError, OSError) as e:
    data = b""
print("INJECTED: handshake succeeded, then read %r" % data)
sys.exit(1)
PYEOF

n=20000
for when in early late; do
  with_timeout 60 "$PY" "$T/inject.py" "$PORT" "$n" "$when" >"$T/$when.log" 2>&1 \
    || fail "$when injection: $(tail -n 5 "$T/$when.log")"
  assert_file_contains "$T/$when.log" "resets answered: $n" "$when run"
  say "$when: $(tail -n 1 "$T/$when.log")"
done
assert_file_contains "$T/late.log" "switched: handshake failed" "late run"

# exim never saw the injected MAIL inside TLS
if grep 'evil@attacker.example' "$EXIM_LOG" | grep -v 'tls=none$'; then
  fail "an injected MAIL reached the server inside TLS"
fi
wait_lines "$T/srv.status" 2
pass
