#!/bin/bash
# handshake-timeout: with -K 1000 a handshake that does not end within a
# second is dropped: ucspitlsd says "TLS handshake timed out" and exits 98,
# the client's connection is closed, prog never runs (immediate mode).
# Stalled peers: one that sends nothing, one that sends the first byte of
# a ClientHello and stops.  In delayed mode the timer starts at the control
# byte, not when the connection opens: a plaintext dialogue longer than -K
# is fine, a stall after STARTTLS is dropped.
# Times are measured but only bounded generously (dropped within 10 s, and
# not before ~1 s).
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# stall PORT MODE -- connect and stall; prints "closed after SECS" when
# the server closes.  MODE: silent (send nothing), onebyte (0x16, the
# first byte of a TLS handshake record), starttls (EHLO, wait 2 s, then
# STARTTLS; the clock starts at the 220 reply).
cat >"$T/stall.py" <<'EOF'
import socket, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=30)

def line():
    b = b""
    while not b.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            sys.exit("eof in plaintext after %r" % b)
        b += c
    return b.decode()

def reply():
    while True:
        ln = line()
        print("S: " + ln.rstrip(), flush=True)
        if ln[3:4] != "-":
            return ln

t0 = time.monotonic()
if mode == "onebyte":
    s.sendall(b"\x16")
elif mode == "starttls":
    reply()
    s.sendall(b"EHLO stall.example\r\n")
    reply()
    time.sleep(2)
    s.sendall(b"STARTTLS\r\n")
    r = reply()
    if not r.startswith("220"):
        sys.exit("no 220 to STARTTLS: %r" % r)
    t0 = time.monotonic()
got = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
except ConnectionResetError:
    pass
except socket.timeout:
    sys.exit("still open after 30 s")
print("received %s" % (got.hex() or "nothing"))
print("closed after %.3f" % (time.monotonic() - t0))
EOF

# check_elapsed LOG -- the close came after about -K, well within 10 s
check_elapsed() {
  local e
  e=$(sed -n 's/^closed after //p' "$1")
  [ -n "$e" ] || fail "no close measured: $(cat "$1")"
  awk -v e="$e" 'BEGIN { exit !(e >= 0.8 && e < 10) }' \
    || fail "connection closed after ${e}s; expected about 1 s (-K 1000), certainly within 10 s"
  say "closed after ${e}s"
}

# 1. immediate mode, a silent client, then a client that sends one byte
start_tcpserver imm "$APPS/record-exit" "$T/imm.status" \
  ucspitlsd -i -K 1000 touch "$T/prog-ran"
n=0
for mode in silent onebyte; do
  n=$((n + 1))
  with_timeout 40 "$PY" "$T/stall.py" "$PORT" "$mode" >"$T/$mode.log" 2>&1 \
    || fail "$mode client: $(cat "$T/$mode.log")"
  check_elapsed "$T/$mode.log"
  wait_lines "$T/imm.status" "$n" 10
  assert_eq "exit 98" "$(sed -n "${n}p" "$T/imm.status")" "ucspitlsd -i status ($mode client)"
  [ "$(grep -c 'TLS handshake timed out' "$T/imm.err")" = "$n" ] \
    || fail "expected $n 'TLS handshake timed out' messages: [$(cat "$T/imm.err")]"
done
[ ! -e "$T/prog-ran" ] || fail "prog ran although the handshake timed out"
grep -q '^ucspitlsd: fatal: .*TLS handshake timed out' "$T/imm.err" \
  || fail "the time-out message is not a fatal line: [$(cat "$T/imm.err")]"
# a prompt client is not affected
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls readall \
  >"$T/ok.log" 2>&1 || fail "a prompt client failed under -K 1000: $(tail -n 3 "$T/ok.log")"
wait_lines "$T/imm.status" 3 10
assert_eq "exit 0" "$(sed -n 3p "$T/imm.status")" "ucspitlsd -i status (prompt client)"
[ -e "$T/prog-ran" ] || fail "prog did not run for the prompt client"
stop imm

# 2. delayed mode: 2 s of plaintext before STARTTLS are fine; a stall after
# the control byte is dropped about 1 s after it
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log
start_tcpserver del ucspitlsd -K 1000 "$PY" "$APPS/smtpish.py" y
with_timeout 40 "$PY" "$T/stall.py" "$PORT" starttls >"$T/starttls.log" 2>&1 \
  || fail "delayed stall client: $(cat "$T/starttls.log")"
check_elapsed "$T/starttls.log"
wait_lines "$T/status" 1 10
assert_eq "exit 98" "$(sed -n 1p "$T/status")" "TLS child status (stall after STARTTLS)"
assert_file_contains "$T/del.err" "TLS handshake timed out"

# the same 2 s plaintext pause, then a real handshake: it succeeds
PYTHONPATH=$APPS with_timeout 40 "$PY" - "$PORT" "$CA" >"$T/late.log" 2>&1 <<'EOF' || fail "late STARTTLS failed: $(cat "$T/late.log")"
import socket, ssl, sys, time
from ucspiapp import smtp_reply as reply
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
reply(s.recv)
s.sendall(b"EHLO late.example\r\n"); reply(s.recv)
time.sleep(2)
s.sendall(b"STARTTLS\r\n"); assert reply(s.recv).startswith(b"220")
ctx = ssl.create_default_context(cafile=sys.argv[2])
t = ctx.wrap_socket(s, server_hostname="localhost")
t.sendall(b"XECHO late\r\n")
got = b""
while b"\n" not in got:
    got += t.recv(100)
assert got == b"250 late\r\n", got
t.sendall(b"QUIT\r\n")
got = b""
while True:
    b = t.recv(100)
    if not b:
        break
    got += b
assert got.startswith(b"221 "), got
print("ok", t.version())
EOF
assert_file_contains "$T/late.log" "ok TLSv1.2"
wait_lines "$T/status" 2 10
assert_eq "exit 0" "$(sed -n 2p "$T/status")" "TLS child status (late STARTTLS)"
pass
