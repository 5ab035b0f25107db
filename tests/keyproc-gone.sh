#!/bin/bash
# keyproc-gone: the key process lives only as long as the handshake.
# 1. ucspitlsd -i: once a client is connected, before it sends a byte, the
#    TLS child has exactly one child, the key process (comm ucspitlsd);
#    once the handshake is done (and 50 lines echoed), the TLS child,
#    still serving the session, has no child at all (not even a zombie)
#    and the key process is gone.
# 2. The same in delayed mode, from the 220 reply to STARTTLS on (prog has
#    written its control byte).
# 3. A stalled handshake under -K 2000 (a client that sends nothing, one
#    that sends half a ClientHello; in delayed mode, nothing after the
#    220): the connection ends about 2 s after the clock started (between
#    1.8 and 12 s), with exit 98, and the TLS child and the key process
#    seen during the stall are gone; no ucspitlsd is left.
# 4. ucspitlsc -i -y against a server that never answers: a key process
#    (comm ucspitlsc) during the handshake; -K 2000 ends the client and
#    every process of it.  Without -y the client has no key process.
# 5. A TLS child killed (SIGKILL) during the handshake takes its key
#    process with it (within 5 s).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

_no_children() { [ -z "$(children "$1")" ]; }

# gone_after_handshake NAME MODEARGS... -- one session to server srv_NAME,
# see 1 and 2
gone_after_handshake() {
  local name=$1 prog tls kpid; shift
  holdclient "$name" -p "$PORT" --ca "$CA" --gate "$@"
  hold_wait "$name" connected
  conn_prog "$(eval echo "\$PID_srv_$name")"; prog=$CONN_PROG
  wait_keyproc "$prog"
  tls=$CONN_TLS kpid=$KPID
  assert_eq ucspitlsd "$(proc_comm "$kpid")" "$name: the key process's comm"
  touch "$T/$name.d/hello"
  hold_wait "$name" ready 30
  wait_for 5 _no_children "$tls" \
    || fail "$name: the TLS child $tls still has a child after the handshake: $(for c in $(children "$tls"); do printf '%s %s %s|' "$c" "$(_pstate "$c")" "$(proc_comm "$c")"; done)"
  [ ! -e "/proc/$kpid" ] || fail "$name: the key process $kpid is still there after the handshake"
  proc_alive "$tls" || fail "$name: the TLS child $tls ended with the key process"
  say "$name: key process $kpid gone after the handshake; TLS child $tls serves on"
  touch "$T/$name.d/go"
  wait_gone "$(eval echo "\$PID_$name")" 20 || fail "$name: the client did not end"
  assert_file_contains "$T/$name.out" ok "$name client"
}

# 1, 2
TEST_STATUS_FILE=$T/imm.status start_tcpserver srv_imm ucspitlsd -i "$PY" "$APPS/smtpish.py"
gone_after_handshake imm
stop srv_imm
TEST_STATUS_FILE=$T/del.status start_tcpserver srv_del ucspitlsd "$PY" "$APPS/smtpish.py" y
gone_after_handshake del --starttls
stop srv_del
assert_eq "exit 0" "$(cat "$T/imm.status" "$T/del.status" | sort -u)" "TLS child status"

# stalled NAME HELLO [--starttls] -- see 3: a client of server NAME
# (whose status line is in $T/NAME.status)
stalled() {
  local name=$1 hello=$2 prog tls kpid s; shift 2
  holdclient "${name}_c" -p "$(eval echo "\$PORT_$name")" --hello "$hello" --timeout 30 "$@"
  hold_wait "${name}_c" connected
  conn_prog "$(eval echo "\$PID_$name")"; prog=$CONN_PROG
  wait_keyproc "$prog" ucspitlsd 5
  tls=$CONN_TLS kpid=$KPID
  wait_gone "$(eval echo "\$PID_${name}_c")" 30 || fail "$name: the client did not end"
  s=$(sed -n 's/^closed after \([0-9.]*\) s$/\1/p' "$T/${name}_c.out")
  [ -n "$s" ] || fail "$name: the server did not close: $(tr '\n' '|' <"$T/${name}_c.out")"
  awk -v s="$s" 'BEGIN { exit !(s >= 1.8 && s < 12) }' \
    || fail "$name: the connection ended ${s}s after the clock started, expected about 2 s (-K 2000)"
  wait_for 5 eval '! proc_alive "$tls" && ! proc_alive "$kpid"' \
    || fail "$name: left after the time-out: TLS child $tls ($(_pstate "$tls")), key process $kpid ($(_pstate "$kpid"))"
  wait_lines "$T/$name.status" 1 10
  assert_eq "exit 98" "$(sed -n 1p "$T/$name.status")" "$name: status"
  wait_no_ucspitlsd 5
  assert_eq 1 "$(grep -c '^ucspitlsd: fatal: .*TLS handshake timed out' "$T/$name.err")" "$name: time-out lines"
  say "$name: ended after ${s}s; TLS child $tls and key process $kpid gone"
  stop "$name"
}

# 3
for h in none half; do
  start_tcpserver "imm_$h" "$APPS/record-exit" "$T/imm_$h.status" ucspitlsd -i -K 2000 true
  eval "PORT_imm_$h=\$PORT"
  stalled "imm_$h" "$h"
done
TEST_STATUS_FILE=$T/del_none.status start_tcpserver del_none ucspitlsd -K 2000 "$PY" "$APPS/smtpish.py" y
PORT_del_none=$PORT
stalled del_none none --starttls

# 4. the client side: a server that reads and never answers
export CAFILE=$CA
for y in -y ""; do
  rm -f "$T/silent.port"
  start_bg silent "$PY" "$APPS/silent-server.py" "$T/silent.port"
  wait_file "$T/silent.port"
  CERTFILE=$CLIENT_CERT KEYFILE=$CLIENT_KEY start_bg cli \
    tcpclient -RHl0 127.0.0.1 "$(cat "$T/silent.port")" ucspitlsc -i $y -K 2000 -k localhost true
  if [ -n "$y" ]; then
    wait_keyproc "$PID_cli" ucspitlsc 5
    assert_eq ucspitlsc "$(proc_comm "$KPID")" "the client's key process's comm"
    tls=$CONN_TLS kpid=$KPID
  else
    wait_for 5 eval 'conn_procs "$PID_cli" ucspitlsc; [ -n "$CONN_TLS" ]' || fail "ucspitlsc has no TLS child"
    tls=$CONN_TLS kpid=""
    sleep 0.5  # the handshake is under way: the ClientHello has gone out
    conn_procs "$PID_cli" ucspitlsc
    assert_eq "" "$CONN_KEYS" "children of ucspitlsc's TLS child without -y"
  fi
  wait_gone "$PID_cli" 15 || fail "ucspitlsc -i $y -K 2000 still there after 15 s"
  wait_gone "$PID_silent" 10 || fail "the silent server saw no end"
  s=$(sed -n 's/^client closed after \([0-9.]*\) s$/\1/p' "$T/silent.out")
  awk -v s="$s" 'BEGIN { exit !(s >= 1.5 && s < 12) }' \
    || fail "ucspitlsc $y: closed ${s}s after connecting, expected about 2 s (-K 2000)"
  wait_for 5 eval '! proc_alive "$tls" && { [ -z "$kpid" ] || ! proc_alive "$kpid"; }' \
    || fail "ucspitlsc $y: left after the time-out: TLS child $tls, key process ${kpid:-none}"
  wait_no_ucspitlsd 5
  grep -q '^ucspitlsc: fatal: .*TLS handshake timed out' "$T/cli.err" \
    || fail "ucspitlsc $y: no time-out line: $(cat "$T/cli.err")"
  stop cli
  stop silent
done

# 5
start_tcpserver srv_kill "$APPS/record-exit" "$T/kill.status" ucspitlsd -i -K 20000 true
holdclient kill_c -p "$PORT" --gate --timeout 30
hold_wait kill_c connected
conn_prog "$PID_srv_kill"
wait_keyproc "$CONN_PROG"
kill -KILL "$CONN_TLS"
wait_gone "$KPID" 5 || fail "the key process $KPID outlived its TLS child $CONN_TLS"
wait_lines "$T/kill.status" 1 10
wait_no_ucspitlsd 5
say "kill: key process $KPID ended with its TLS child $CONN_TLS"
stop kill_c
pass
