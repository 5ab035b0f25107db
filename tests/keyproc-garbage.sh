#!/bin/bash
# keyproc-garbage: a key process that answers garbage makes the handshake
# fail, at once, not at -K (30 s here).  tests/apps/keysteal.py takes a
# copy of the key process's socketpair end (pidfd_getfd, as root), stops
# the key process, and answers the TLS child's request itself with 4096
# bytes of 0xff while keeping the socket open.  ucspitlsd -i: the
# client's handshake fails within 10 s of its ClientHello; ucspitlsd
# exits 98 with exactly one fatal line, "ucspitlsd: fatal: TLS handshake
# failed: ..." naming the key process, then its -v2 line (end=error); the
# TLS child closes its end of the socketpair, and the key process, let go
# on, sees that and exits; no process is left.
. "$(dirname "$0")/lib.sh"
certs

if [ "$(id -u)" != 0 ]; then
  say "keyproc-garbage: not root, cannot take the key process's socket; nothing checked"
  pass
fi

hostile_server garb -i -K 30000
holdclient garb_c -p "$PORT_garb" --ca "$CA" --gate --expect-fail --timeout 40
hold_wait garb_c connected
conn_prog "$PID_garb"
wait_keyproc "$CONN_PROG"
kpid=$KPID
start_bg steal "$PY" "$APPS/keysteal.py" "$kpid" "$T/steal.ready" 30
wait_for 10 test -e "$T/steal.ready" || fail "keysteal did not start: $(cat "$T/steal.out" "$T/steal.err")"
touch "$T/garb_c.d/hello"
wait_gone "$PID_garb_c" 40 || fail "the client still waits"
assert_file_contains "$T/garb_c.out" "handshake failed: " "the client"
s=$(sed -n 's/^failed \([0-9.]*\) s after the ClientHello$/\1/p' "$T/garb_c.out")
awk -v s="$s" 'BEGIN { exit !(s < 10) }' || fail "the handshake failed only ${s}s after the ClientHello"
wait_gone "$PID_steal" 30 || fail "keysteal still runs"
assert_file_contains "$T/steal.out" "answered 4096 bytes" "keysteal"
assert_file_contains "$T/steal.out" "peer closed after" "keysteal: the TLS child closed its end"
wait_gone "$kpid" 5 || fail "the key process $kpid ($(_pstate "$kpid")) did not exit once its peer was gone"
expect_end garb "exit 98" - error 'TLS handshake failed: .*key process'
pass
