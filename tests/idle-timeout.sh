#!/bin/bash
# idle-timeout: with -I 1000, once TLS is up, a second with no byte either
# way ends the connection: the client sees end-of-file, ucspitlsd says the
# connection was idle, and the TLS child exits 98 (a time-out).  Traffic
# keeps it alive; the plaintext phase before STARTTLS is not timed; without
# -I a 3 s pause is harmless.  Times are bounded generously only.
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log

# idle.py PORT CA MODE PLAN -- MODE: starttls (EHLO, 2 s pause in
# plaintext, STARTTLS) or immediate.  Then one XECHO over TLS, then PLAN:
#   silent    send nothing; print "eof after SECS" when the server closes
#   pause3    sleep 3 s, then XECHO must still work; QUIT
#   chatty    an XECHO every 0.4 s for 3 s, each answered; QUIT
# (run with PYTHONPATH=$APPS, for ucspiapp)
cat >"$T/idle.py" <<'EOF'
import socket, ssl, sys, time
from ucspiapp import ByteReader, smtp_reply as reply
port, ca, mode, plan = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), timeout=30)

if mode == "starttls":
    reply(s.recv)
    s.sendall(b"EHLO idle.example\r\n"); reply(s.recv)
    time.sleep(2)
    s.sendall(b"STARTTLS\r\n"); assert reply(s.recv).startswith(b"220")
ctx = ssl.create_default_context(cafile=ca)
t = ctx.wrap_socket(s, server_hostname="localhost")
tr = ByteReader(t)
if mode == "immediate":
    reply(tr.recv)

def echo(word):
    t.sendall(b"XECHO " + word + b"\r\n")
    r = reply(tr.recv)
    assert r == b"250 " + word + b"\r\n", r

echo(b"warm-up " + b"x" * 2000)
if plan == "silent":
    t0 = time.monotonic()
    try:
        while True:
            b = t.recv(4096)
            if not b:
                break
            tr.buf += b
    except (ConnectionResetError, ssl.SSLError) as e:
        print("error", e)
    except socket.timeout:
        raise SystemExit("still open after 30 s")
    print("eof after %.3f" % (time.monotonic() - t0))
    if tr.buf:
        print("unexpected data", tr.buf)
    sys.exit(0)
if plan == "pause3":
    time.sleep(3)
    echo(b"after-pause")
elif plan == "chatty":
    end = time.monotonic() + 3
    i = 0
    while time.monotonic() < end:
        time.sleep(0.4)
        i += 1
        echo(b"tick%d" % i)
t.sendall(b"QUIT\r\n")
assert reply(tr.recv).startswith(b"221")
print("ok")
EOF

sessions=0
# run NAME MODE PLAN -- one session; waits for the TLS child's status (st)
run() {
  sessions=$((sessions + 1))
  PYTHONPATH=$APPS with_timeout 60 "$PY" "$T/idle.py" "$PORT" "$CA" "$2" "$3" >"$T/$1.log" 2>&1 \
    || fail "$1: client failed: $(tail -n 3 "$T/$1.log")"
  wait_lines "$T/status" "$sessions" 15
  st=$(sed -n "${sessions}p" "$T/status")
}

check_idle_eof() { # LOG ERRFILE
  local e
  e=$(sed -n 's/^eof after //p' "$1")
  [ -n "$e" ] || fail "no end-of-file measured: $(cat "$1")"
  awk -v e="$e" 'BEGIN { exit !(e >= 0.8 && e < 10) }' \
    || fail "idle connection closed after ${e}s; expected about 1 s (-I 1000), certainly within 10 s"
  assert_file_not_contains "$1" "unexpected data"
  say "idle connection closed after ${e}s"
}

# 1. delayed mode with -I 1000
start_tcpserver del ucspitlsd -I 1000 "$PY" "$APPS/smtpish.py" y
run del-silent starttls silent
check_idle_eof "$T/del-silent.log"
assert_eq "exit 98" "$st" "TLS child status, idle connection"
[ "$(grep -c 'connection idle' "$T/del.err")" = 1 ] || fail "expected one 'connection idle' message: [$(cat "$T/del.err")]"
grep -q '^ucspitlsd: fatal: .*connection idle' "$T/del.err" || fail "the idle message is not a fatal line: [$(cat "$T/del.err")]"
run del-chatty starttls chatty
assert_file_contains "$T/del-chatty.log" ok
assert_eq "exit 0" "$st" "TLS child status, busy connection under -I 1000"
[ "$(grep -c 'connection idle' "$T/del.err")" = 1 ] || fail "a busy connection was called idle"
stop del

# 2. immediate mode with -I 1000
start_tcpserver imm ucspitlsd -i -I 1000 "$PY" "$APPS/smtpish.py"
run imm-silent immediate silent
check_idle_eof "$T/imm-silent.log"
assert_eq "exit 98" "$st" "TLS child status, idle connection (immediate)"
assert_file_contains "$T/imm.err" "connection idle"
stop imm

# 3. without -I, a 3 s pause is harmless
start_tcpserver none ucspitlsd "$PY" "$APPS/smtpish.py" y
run none-pause starttls pause3
assert_file_contains "$T/none-pause.log" ok
assert_eq "exit 0" "$st" "TLS child status without -I"
assert_file_not_contains "$T/none.err" "idle"
pass
