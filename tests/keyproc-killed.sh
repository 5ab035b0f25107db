#!/bin/bash
# keyproc-killed: a key process killed (SIGKILL) before the handshake
# needs it makes the handshake fail, at once, not at -K (30 s here):
# 1. ucspitlsd -i: a client connects, the key process is killed, then the
#    client (Python ssl) sends its ClientHello: its handshake fails within
#    10 s; ucspitlsd exits 98 with exactly one fatal line, "ucspitlsd:
#    fatal: TLS handshake failed: ..." naming the key process, then its
#    -v2 line (end=error); prog never runs; no process is left.
# 2. Delayed mode, the key process killed after the 220 reply to STARTTLS
#    (prog has written its control byte): the same, the TLS child exits 98
#    and prog (smtpish) ends the session with 0.
# 3. ucspitlsc -i -y against a server that holds the handshake until told
#    to go on: the client's key process is killed before its signature is
#    needed; ucspitlsc exits 98 with one fatal line naming the key
#    process; prog never runs; the server sees a failed handshake.
. "$(dirname "$0")/lib.sh"
certs

reason='TLS handshake failed: .*key process'

# killed NAME PROG TLSNAME -- find the key process of PROG, kill it, let
# the client go on; the key process must be gone and the TLS child still
# there, waiting for the peer
killed() {
  local name=$1 prog=$2 tlsname=$3 kpid
  wait_keyproc "$prog" "$tlsname"
  kpid=$KPID
  kill -KILL "$kpid"
  wait_gone "$kpid" 5 || fail "$name: the key process $kpid did not die"
  proc_alive "$CONN_TLS" || fail "$name: the TLS child $CONN_TLS ended before the handshake began"
  say "$name: killed the key process $kpid of the TLS child $CONN_TLS"
}

# client_failed NAME -- holdclient NAME saw its handshake fail, soon
client_failed() {
  local s
  wait_gone "$(eval echo "\$PID_$1")" 40 || fail "$1: the client still waits"
  assert_file_contains "$T/$1.out" "handshake failed: " "$1 client"
  s=$(sed -n 's/^failed \([0-9.]*\) s after the ClientHello$/\1/p' "$T/$1.out")
  awk -v s="$s" 'BEGIN { exit !(s < 10) }' || fail "$1: the handshake failed only ${s}s after the ClientHello"
}

# 1. immediate mode
hostile_server imm -i -K 30000
holdclient imm_c -p "$PORT_imm" --ca "$CA" --gate --expect-fail --timeout 40
hold_wait imm_c connected
conn_prog "$PID_imm"
killed imm "$CONN_PROG" ucspitlsd
touch "$T/imm_c.d/hello"
client_failed imm_c
expect_end imm "exit 98" - error "$reason"

# 2. delayed mode
starttls_server del -K 30000
holdclient del_c -p "$PORT_del" --ca "$CA" --starttls --gate --expect-fail --timeout 40
hold_wait del_c connected
conn_prog "$PID_del"
killed del "$CONN_PROG" ucspitlsd
touch "$T/del_c.d/hello"
client_failed del_c
expect_end del "exit 0" "exit 98" error "$reason"

# 3. the client: a Python ssl server that requires a client certificate
# and begins its handshake only once GATEFILE exists
cat >"$T/gated.py" <<'EOF'
import os, socket, ssl, sys, time
portfile, gate, cert, key, ca = sys.argv[1:6]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
open(portfile + ".tmp", "w").write("%d\n" % ls.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
ls.settimeout(30)
c, _ = ls.accept()
end = time.monotonic() + 30
while not os.path.exists(gate):
    if time.monotonic() > end:
        sys.exit("no gate")
    time.sleep(0.02)
c.settimeout(30)
t0 = time.monotonic()
try:
    t = ctx.wrap_socket(c, server_side=True)
except (ssl.SSLError, OSError) as e:
    print("handshake failed after %.3f s: %s" % (time.monotonic() - t0, e), flush=True)
    sys.exit(0)
print("handshake ok: %r" % ((t.getpeercert() or {}).get("subject"),), flush=True)
sys.exit(1)
EOF
start_bg gated "$PY" "$T/gated.py" "$T/gated.port" "$T/gate" "$SRV_CERT" "$SRV_KEY" "$CA"
wait_file "$T/gated.port"
CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY CAFILE=$CA start_bg cli \
  tcpclient -RHl0 127.0.0.1 "$(cat "$T/gated.port")" \
  "$APPS/record-exit" "$T/cli.wrapper" ucspitlsc -i -y -v2 -K 30000 -k localhost touch "$T/cli-prog-ran"
conn_prog "$PID_cli"
killed cli "$CONN_PROG" ucspitlsc
touch "$T/gate"
wait_gone "$PID_gated" 20 || fail "the server's handshake did not end"
assert_file_contains "$T/gated.out" "handshake failed after " "the server"
s=$(sed -n 's/^handshake failed after \([0-9.]*\) s.*/\1/p' "$T/gated.out")
awk -v s="$s" 'BEGIN { exit !(s < 10) }' || fail "the server's handshake failed only after ${s}s"
wait_gone "$PID_cli" 20 || fail "ucspitlsc still runs"
[ ! -e "$T/cli-prog-ran" ] || fail "ucspitlsc's prog ran although the handshake failed"
TLSPROG=ucspitlsc expect_end cli "exit 98" - error "$reason"
pass
