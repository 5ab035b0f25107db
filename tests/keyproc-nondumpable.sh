#!/bin/bash
# keyproc-nondumpable: the process that holds a private key can dump no
# core and cannot be read through /proc by its own user.  While the key process exists (a handshake held before the
# ClientHello, in immediate mode):
# 1. its /proc/PID/limits says "Max core file size 0 0", although
#    ucspitlsd was started with an unlimited core size (prog still has
#    it): ucspitlsd (root) and ucspitlsc -y;
# 2. with ucspitlsd (and ucspitlsc -y) run by an unprivileged user (key
#    files readable by that user only), the key process runs as that user
#    yet the entries in its /proc/PID (status, mem, maps, fd, environ)
#    belong to root, as proc(5) says of a process whose dumpable
#    attribute is 0 (PR_SET_DUMPABLE 0); the user's other processes
#    (tcpserver) own theirs.  (/proc/PID itself, a world-readable
#    directory, keeps the process's owner whatever it is.)
. "$(dirname "$0")/lib.sh"
certs

ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -Hc)"
[ "$(ulimit -c)" != 0 ] || fail "cannot raise the core file size limit: the check would prove nothing"

core_limit() { # PID -- "soft hard" of Max core file size
  awk '/^Max core file size/ { print $5, $6 }' "/proc/$1/limits"
}

# check NAME PROG TLSNAME [UID] -- the key process of PROG's TLS child:
# no core; with UID, it runs as UID and its /proc entries are root's
check() {
  local name=$1 prog=$2 tlsname=$3 uid=${4:-} f
  wait_keyproc "$prog" "$tlsname"
  assert_eq "0 0" "$(core_limit "$KPID")" "$name: the key process's core file size limit (soft hard)"
  [ "$(core_limit "$prog")" != "0 0" ] || fail "$name: prog's core limit is 0 too: the check proves nothing"
  if [ -n "$uid" ]; then
    assert_eq "$uid $uid $uid $uid" "$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$KPID/status" | tr -s '\t ' '  ' | sed 's/ *$//')" \
      "$name: the key process's uids"
    for f in "/proc/$KPID/status" "/proc/$KPID/mem" "/proc/$KPID/maps" "/proc/$KPID/fd" "/proc/$KPID/environ"; do
      assert_eq "0 0" "$(stat -c '%u %g' "$f")" "$name: owner of $f (a dumpable process's belongs to its user)"
    done
  fi
  say "$name: key process $KPID: core limit $(core_limit "$KPID")${uid:+, runs as $uid, /proc entries owned by root}"
}

# 1. as root
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_STATUS_FILE=$T/imm.status \
  start_tcpserver imm ucspitlsd -i "$PY" "$APPS/smtpish.py"
holdclient imm_c -p "$PORT" --ca "$CA" --gate
hold_wait imm_c connected
conn_prog "$PID_imm"
check imm "$CONN_PROG" ucspitlsd
touch "$T/imm_c.d/hello" "$T/imm_c.d/go"
wait_gone "$PID_imm_c" 30 || fail "imm: the client did not end"
assert_file_contains "$T/imm_c.out" ok "imm client"
stop imm

start_bg silent "$PY" "$APPS/silent-server.py" "$T/silent.port"
wait_file "$T/silent.port"
CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY CAFILE=$CA start_bg cli \
  tcpclient -RHl0 127.0.0.1 "$(cat "$T/silent.port")" ucspitlsc -i -y -K 20000 -k localhost true
check client "$PID_cli" ucspitlsc
stop cli
stop silent

# 2. as an unprivileged user
if [ "$(id -u)" != 0 ]; then
  say "keyproc-nondumpable: not root, cannot run as another user; part 2 not checked"
  pass
fi
uid=12347 gid=12348
! getent passwd "$uid" >/dev/null || fail "uid $uid is in use on this machine; pick another"
chmod 711 "$T"
mkdir "$T/u" && cp "$SRV_CERT" "$SRV_KEY" "$CLIENT_CERT" "$CLIENT_KEY" "$CA" "$T/u/" \
  && chown -R "$uid:$gid" "$T/u" && chmod 700 "$T/u" && chmod 600 "$T/u"/*.key \
  || fail "cannot give the key files to uid $uid"
asuser=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
# the programs, where that user can run them (the source tree may sit in
# a home that others cannot enter, as /root)
mkdir "$T/bin" && cp "$BIN/ucspitlsd" "$BIN/ucspitlsc" "$T/bin/" && chmod 755 "$T/bin" "$T/bin"/* \
  || fail "cannot copy the programs for uid $uid"

CERTFILE=$T/u/srv-ec.pem KEYFILE=$T/u/srv-ec.key \
  start_bg uimm "${asuser[@]}" tcpserver -1 -H -R -l 0 127.0.0.1 0 "$T/bin/ucspitlsd" -i -K 20000 true
wait_file "$T/uimm.out"
PORT=$(head -n 1 "$T/uimm.out")
wait_port "$PORT"
assert_eq "$uid $gid" "$(stat -c '%u %g' "/proc/$PID_uimm/status")" "owner of /proc/PID/status of the user's tcpserver"
holdclient uimm_c -p "$PORT" --gate --timeout 30
hold_wait uimm_c connected
conn_prog "$PID_uimm"
check uimm "$CONN_PROG" ucspitlsd "$uid"
stop uimm_c
stop uimm

start_bg silent2 "$PY" "$APPS/silent-server.py" "$T/silent2.port"
wait_file "$T/silent2.port"
CERTFILE=$T/u/client.pem KEYFILE=$T/u/client.key CAFILE=$T/u/ca.pem start_bg ucli \
  "${asuser[@]}" tcpclient -RHl0 127.0.0.1 "$(cat "$T/silent2.port")" "$T/bin/ucspitlsc" -i -y -K 20000 -k localhost true
check uclient "$PID_ucli" ucspitlsc "$uid"
stop ucli
stop silent2
pass
