#!/bin/bash
# tls-child-killed: in immediate mode, a TLS child that dies of a signal
# before the handshake is over (a crash: SIGSEGV here, sent to it) cannot
# say why; the process that waits for it does: one fatal line that names
# the signal and the peer, exit 111 (system), and prog never runs.  The
# same for ucspitlsc -i, whose TLS child waits for a server that has not
# answered its ClientHello.
. "$(dirname "$0")/lib.sh"
certs
# under AddressSanitizer (make check-asan) the SIGSEGV is the kernel's,
# not a crash for ASan to report
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"

# kill_tls NAME TOP PROGNAME -- the TLS child under TOP gets SIGSEGV
kill_tls() {
  conn_prog "$2"
  wait_for 10 _has_tls "$CONN_PROG" "$3" || fail "$1: no TLS child under $CONN_PROG"
  case $CONN_TLS in *' '*) fail "$1: more than one TLS child: $CONN_TLS" ;; esac
  kill -SEGV $CONN_TLS
}
_has_tls() { conn_procs "$1" "$2"; [ -n "$CONN_TLS" ]; }
 # the TLS child of ucspitlsc, under record-exit: in CLI_TLS
_has_tls_c() {
  local c
  for c in $(children "$PID_cli"); do
    conn_procs "$c" ucspitlsc
    [ -n "$CONN_TLS" ] && { CLI_TLS=$CONN_TLS; return 0; }
  done
  return 1
}

hostile_server imm -i -K 30000
holdclient imm_c -p "$PORT_imm" --ca "$CA" --gate --expect-fail --timeout 40
hold_wait imm_c connected
kill_tls imm "$PID_imm" ucspitlsd
wait_lines "$T/imm.wrapper" 1 30
assert_eq "exit 111" "$(status_line "$T/imm.wrapper")" "ucspitlsd's status"
wait_lines "$T/imm.err" 1 10
sleep 0.2   # anything that would follow
assert_eq 1 "$(wc -l <"$T/imm.err")" "lines on stderr: $(cat -v "$T/imm.err")"
grep -qE "^ucspitlsd: fatal: the TLS child was killed by signal 11 \(peer=127\.0\.0\.1:[0-9]+\)\$" "$T/imm.err" \
  || fail "not the line of a TLS child killed: $(cat -v "$T/imm.err")"
[ -s "$T/imm.child" ] && fail "prog ran: $(cat "$T/imm.child")"
touch "$T/imm_c.d/hello"
wait_no_ucspitlsd

# ucspitlsc -i: a server that accepts and says nothing
port=$(free_port)
start_bg silent "$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); time.sleep(40)' "$port"
wait_port "$port"
CAFILE=$CA start_bg cli "$APPS/record-exit" "$T/cli.status" tcpclient -RHl0 127.0.0.1 "$port" \
  ucspitlsc -i -k localhost sh -c 'echo ran >"$1"' client "$T/cli.prog"
wait_for 10 _has_tls_c || fail "no TLS child of ucspitlsc"
kill -SEGV $CLI_TLS
wait_lines "$T/cli.status" 1 30
assert_eq "exit 111" "$(status_line "$T/cli.status")" "ucspitlsc's status"
grep -qE "^ucspitlsc: fatal: the TLS child was killed by signal 11 \(peer=127\.0\.0\.1:$port\)\$" "$T/cli.err" \
  || fail "not the line of a TLS child killed: $(cat -v "$T/cli.err")"
[ -e "$T/cli.prog" ] && fail "prog ran"
pass
