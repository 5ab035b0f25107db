#!/bin/bash
# privdrop: run as root with TLS_UID/TLS_GID, the TLS child (the child of
# prog whose command line is ucspitlsd) runs with exactly that uid and gid
# (real, effective, saved, filesystem) and no supplementary groups, while
# prog keeps root; the session works, since the key was read before the
# drop.  Checked in /proc/PID/status while the connection is open, in
# delayed and in immediate mode.  A TLS_UID or TLS_GID that is not a
# number is a configuration error: exit 96 before prog runs, in either mode.
. "$(dirname "$0")/lib.sh"
certs

if [ "$(id -u)" != 0 ]; then
  say "privdrop: not root, nothing to check"
  pass
fi
uid=12345 gid=12346
! getent passwd "$uid" >/dev/null || fail "uid $uid is in use on this machine; pick another"
! getent group "$gid" >/dev/null || fail "gid $gid is in use on this machine; pick another"

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log
# the key must be readable by root only: the child can only have read it
# before the drop
cp "$SRV_KEY" "$T/key.pem" && chmod 600 "$T/key.pem" && export KEYFILE=$T/key.pem

# hold.py PORT CA MODE DIR -- a session (MODE starttls or immediate) that
# stays open after one echo over TLS: it creates DIR/ready, waits for
# DIR/go, then QUITs; prints "ok" at the end.  (Run with PYTHONPATH=$APPS,
# for ucspiapp.)
cat >"$T/hold.py" <<'EOF'
import os, socket, ssl, sys, time
from ucspiapp import ByteReader, smtp_reply as reply
port, ca, mode, d = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
if mode == "starttls":
    reply(s.recv)
    s.sendall(b"EHLO hold.example\r\n"); reply(s.recv)
    s.sendall(b"STARTTLS\r\n"); assert reply(s.recv).startswith(b"220")
t = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname="localhost")
tr = ByteReader(t)
if mode == "immediate":
    reply(tr.recv)
t.sendall(b"XECHO dropped\r\n")
r = reply(tr.recv)
assert r == b"250 dropped\r\n", r
open(os.path.join(d, "ready"), "w").close()
end = time.monotonic() + 30
while not os.path.exists(os.path.join(d, "go")):
    if time.monotonic() > end:
        raise SystemExit("never told to go on")
    time.sleep(0.05)
t.sendall(b"QUIT\r\n")
assert reply(tr.recv).startswith(b"221")
print("ok", flush=True)
EOF

status_field() { # PID FIELD -- the value of FIELD: in /proc/PID/status, tabs as spaces
  sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' '  ' | sed 's/ *$//'
}

# check_ids NAME -- while the session of server NAME is open
check_ids() {
  local name=$1 srvpid prog child c
  srvpid=$(eval echo "\$PID_$name")
  prog=$(_children "$srvpid")
  [ -n "$prog" ] || fail "$name: no connection process under tcpserver"
  [ "$(printf '%s\n' "$prog" | wc -l)" = 1 ] || fail "$name: more than one connection: $prog"
  child=""
  for c in $(_children "$prog"); do
    case $(tr '\0' '\n' <"/proc/$c/cmdline" | head -n 1) in
      ucspitlsd|*/ucspitlsd) child="$child $c" ;;
    esac
  done
  child=${child# }
  [ -n "$child" ] || fail "$name: prog ($prog) has no ucspitlsd child"
  case $child in *' '*) fail "$name: more than one TLS child: $child" ;; esac
  assert_eq "$uid $uid $uid $uid" "$(status_field "$child" Uid)" "$name: TLS child Uid"
  assert_eq "$gid $gid $gid $gid" "$(status_field "$child" Gid)" "$name: TLS child Gid"
  assert_eq "" "$(status_field "$child" Groups)" "$name: TLS child supplementary groups"
  assert_eq "0 0 0 0" "$(status_field "$prog" Uid)" "$name: prog Uid"
  assert_eq "0 0 0 0" "$(status_field "$prog" Gid)" "$name: prog Gid"
  say "$name: prog $prog uid 0, TLS child $child uid $uid gid $gid, no groups"
}

# session NAME MODE N -- hold a session open, check, let it end; the TLS
# child's status is line N of $T/status
session() {
  local name=$1 mode=$2 n=$3
  mkdir -p "$T/$name.d"
  PYTHONPATH=$APPS start_bg "${name}_client" "$PY" "$T/hold.py" "$PORT" "$CA" "$mode" "$T/$name.d"
  wait_for 20 test -e "$T/$name.d/ready" \
    || fail "$name: the session did not start: $(cat "$T/${name}_client.out" "$T/${name}_client.err")"
  check_ids "$name"
  touch "$T/$name.d/go"
  wait_gone "$(eval echo "\$PID_${name}_client")" 20 || fail "$name: the client did not end"
  assert_file_contains "$T/${name}_client.out" ok "$name client"
  wait_lines "$T/status" "$n" 20
  assert_eq "exit 0" "$(sed -n "${n}p" "$T/status")" "$name: TLS child status"
}

# 1. delayed mode
TLS_UID=$uid TLS_GID=$gid start_tcpserver del ucspitlsd "$PY" "$APPS/smtpish.py" y
session del starttls 1
stop del

# 2. immediate mode
TLS_UID=$uid TLS_GID=$gid start_tcpserver imm ucspitlsd -i "$PY" "$APPS/smtpish.py"
session imm immediate 2
stop imm

# 3. garbage ids: exit 96 before prog runs, in both modes
n=0
for bad in "TLS_UID=abc TLS_GID=$gid" "TLS_UID=$uid TLS_GID=12x" "TLS_UID=-1 TLS_GID=$gid" \
           "TLS_UID= TLS_GID=$gid" "TLS_UID=$uid TLS_GID=nogroup"; do
  for opt in "" -i; do
    n=$((n + 1))
    rm -f "$T/prog-ran"
    # shellcheck disable=SC2086
    with_timeout 20 env $bad "$APPS/record-exit" "$T/bad.status" \
      ucspitlsd $opt sh -c ': >"$1"; exec cat' sh "$T/prog-ran" \
      <"$T/hold.py" >/dev/null 2>"$T/bad$n.err"
    wait_lines "$T/bad.status" "$n" 10
    assert_eq "exit 96" "$(sed -n "${n}p" "$T/bad.status")" "ucspitlsd $opt with $bad"
    [ ! -e "$T/prog-ran" ] || fail "ucspitlsd $opt with $bad: prog ran"
    grep -q '^ucspitlsd: fatal: .*TLS_[UG]ID' "$T/bad$n.err" \
      || fail "ucspitlsd $opt with $bad: no fatal message naming the variable: [$(cat "$T/bad$n.err")]"
    # a name where a number must be: the line says so, and how to get it
    case $bad in
      TLS_UID=abc*) assert_eq "ucspitlsd: fatal: TLS_UID must be a numeric uid (id -u USER gives it), not: abc" "$(cat "$T/bad$n.err")" "ucspitlsd $opt with $bad" ;;
      *TLS_GID=nogroup) assert_eq "ucspitlsd: fatal: TLS_GID must be a numeric gid (id -g USER gives USER's), not: nogroup" "$(cat "$T/bad$n.err")" "ucspitlsd $opt with $bad" ;;
    esac
  done
done
pass
