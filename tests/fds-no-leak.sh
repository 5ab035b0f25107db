#!/bin/bash
# fds-no-leak: nothing that a connection opens outlives it, and the TLS
# child holds only what it needs.
#   1. while a session is up, the TLS child holds exactly five fds: the
#      connection (0 and 1), stderr (2), and one pipe each way to prog --
#      in immediate mode and in delayed mode (where the control channel is
#      closed once the handshake is done)
#   2. tcpserver's fds are the same before and after 60 connections of
#      every kind (good sessions, garbage, silent clients that just
#      close, STARTTLS sessions, declines, control-protocol errors), and
#      afterwards it has no child and no ucspitlsd runs
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# hold PORT STEP... -- a client (miniclient.py) that plays STEP..., then
# keeps the connection open until $T/go exists
hold() {
  local port=$1; shift
  rm -f "$T/go" "$T/held"
  "$PY" - "$port" "$T" "$APPS" "$@" >"$T/hold.log" 2>&1 <<'PYEOF' &
import os, sys, time
port, tdir, apps = sys.argv[1:4]
sys.path.insert(0, apps)
sys.argv = ["miniclient", "-p", port] + sys.argv[4:]
import miniclient
class A: pass
a = A(); a.port = int(port); a.timeout = 20
c = miniclient.Client(a)
miniclient.run(c, sys.argv[3:])
open(os.path.join(tdir, "held"), "w").close()
for _ in range(3000):
    if os.path.exists(os.path.join(tdir, "go")):
        break
    time.sleep(0.01)
PYEOF
  holdpid=$!
  wait_file_exists "$T/held"
}
wait_file_exists() { wait_for 20 test -e "$1" || fail "timed out waiting for $1: $(cat "$T/hold.log")"; }

# tls_child_fds -- "N:KIND" for each fd of the one TLS child running
tls_child_fds() {
  local pids p c
  pids=$(_strays ucspitlsd | cut -d' ' -f1)
  [ "$(printf '%s\n' "$pids" | grep -c .)" = 1 ] || fail "expected one ucspitlsd process, found: [$pids]"
  p=$pids
  for f in /proc/$p/fd/*; do
    c=$(readlink "$f")
    case $c in
      socket:*) grep -q " ${c//[^0-9]/} " /proc/net/unix 2>/dev/null && c=unix || c=inet ;;
      pipe:*) c=pipe ;;
      /*) c=file ;;
    esac
    printf '%s:%s ' "${f##*/}" "$c"
  done
}
check_child_fds() { # WHAT
  local got
  got=$(tls_child_fds)
  case $got in
    "0:inet 1:inet 2:file "[0-9]*":pipe "[0-9]*":pipe ") ;;
    *) fail "$1: the TLS child's fds: [$got]" ;;
  esac
}

# 1. immediate mode
start_tcpserver imm ucspitlsd -i cat
hold "$PORT" 'tls localhost' 'send hello' 'line ^hello$'
check_child_fds "immediate mode"
touch "$T/go"; wait "$holdpid"

# delayed mode, after STARTTLS
TEST_LOG=$T/del.log start_tcpserver del ucspitlsd "$PY" "$APPS/smtpish.py" y
hold "$PORT" 'reply 220' 'send STARTTLS' 'reply 220' 'tls localhost' 'send XECHO x' 'reply 250 ^250 x$'
check_child_fds "delayed mode"
touch "$T/go"; wait "$holdpid"
wait_no_ucspitlsd
stop imm; stop del

# 2. many connections of every kind, then the same fds
TCPSERVER_OPTS="-c 100" start_tcpserver many ucspitlsd -i -K 5000 cat
mport=$PORT mpid=$PID_many
TEST_LOG=$T/many2.log TCPSERVER_OPTS="-c 100" start_tcpserver many2 ucspitlsd -K 5000 "$PY" "$APPS/smtpish.py" y
dport=$PORT dpid=$PID_many2
TCPSERVER_OPTS="-c 100" start_tcpserver many3 ucspitlsd "$PY" "$APPS/ctlapp.py" bad:41
cport=$PORT cpid=$PID_many3
fds() { ls "/proc/$1/fd" | sort -n | tr '\n' ' '; }
b1=$(fds "$mpid") b2=$(fds "$dpid") b3=$(fds "$cpid")

"$PY" - "$mport" "$dport" "$cport" "$CA" >"$T/mix.log" 2>&1 <<'PYEOF' || fail "mixed clients: $(tail -n 5 "$T/mix.log")"
import socket, ssl, sys, threading
mport, dport, cport, ca = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
errors = []

def good():
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", mport), timeout=30), server_hostname="localhost") as s:
        s.sendall(b"ping\n")
        if s.recv(100) != b"ping\n":
            errors.append("no echo")

def garbage():
    s = socket.create_connection(("127.0.0.1", mport), timeout=30)
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    try:
        while s.recv(100):
            pass
    except OSError:
        pass
    s.close()

def silent():
    socket.create_connection(("127.0.0.1", mport), timeout=30).close()

def lines(s, n):
    b = b""
    while b.count(b"\n") < n:
        c = s.recv(1)
        if not c:
            break
        b += c
    return b

def starttls():
    s = socket.create_connection(("127.0.0.1", dport), timeout=30)
    lines(s, 1)
    s.sendall(b"STARTTLS\r\n")
    lines(s, 1)
    with ctx.wrap_socket(s, server_hostname="localhost") as t:
        t.sendall(b"QUIT\r\n")
        t.recv(100)

def decline():
    s = socket.create_connection(("127.0.0.1", dport), timeout=30)
    lines(s, 1)
    s.sendall(b"QUIT\r\n")
    lines(s, 1)
    s.close()

def ctlerror():
    s = socket.create_connection(("127.0.0.1", cport), timeout=30)
    lines(s, 1)
    s.sendall(b"STARTTLS\r\n")
    lines(s, 2)
    s.sendall(b"QUIT\r\n")
    lines(s, 1)
    s.close()

def run(f):
    try:
        f()
    except Exception as e:  # noqa
        errors.append("%s: %s" % (f.__name__, e))

ts = [threading.Thread(target=run, args=(f,)) for f in (good, garbage, silent, starttls, decline, ctlerror) * 10]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("errors:", errors)
sys.exit(1 if errors else 0)
PYEOF

childless() { [ -z "$(_children "$1")" ]; }
for p in "$mpid" "$dpid" "$cpid"; do
  wait_for 30 childless "$p" || fail "tcpserver $p still has children: $(_children "$p" | tr '\n' ' ')"
done
wait_no_ucspitlsd 30
assert_eq "$b1" "$(fds "$mpid")" "tcpserver's fds (immediate mode)"
assert_eq "$b2" "$(fds "$dpid")" "tcpserver's fds (delayed mode)"
assert_eq "$b3" "$(fds "$cpid")" "tcpserver's fds (control errors)"
pass
