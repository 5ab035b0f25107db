#!/bin/bash
# alert-warning: a warning alert other than close_notify, after the
# handshake, is passed over.  The peer (tests/apps/minitls, through
# hostile.py alert-warning) sends a line, a warning alert, a second line,
# all in one write; both lines are echoed by prog (echo-wait.py), the
# session goes on: a third line, a TCP half-close, and its echo too.  No
# line but the -v2 one; the TLS child ends as for any end-of-file: exit 0,
# end=ok, nothing left running.  For user_canceled (90), the alert the
# issue names, and unrecognized_name (112), which servers send as a
# warning.  Immediate and delayed mode.
. "$(dirname "$0")/lib.sh"
certs

# ended_ok NAME -- the TLS child exited 0, stderr is the one -v2 line
# with end=ok
ended_ok() {
  wait_lines "$T/$1.child" 1 30
  wait_lines "$T/$1.err" 1 10
  sleep 0.2
  assert_eq "exit 0" "$(status_line "$T/$1.child")" "$1: TLS child status"
  assert_eq 1 "$(wc -l <"$T/$1.err")" "$1: lines on stderr"
  grep -qE '^ucspitlsd: info: peer=.* end=ok$' "$T/$1.err" || fail "$1: not an end=ok -v2 line: $(cat "$T/$1.err")"
  wait_no_ucspitlsd
}

# all_echoed NAME -- every line came back, in order
all_echoed() {
  assert_eq "echo before the alert
echo after the alert
echo last line" "$(sed -n 's/^echo /&/p' "$T/$1.client")" "$1: the lines echoed"
}

for code in 90 112; do
  hostile_server "imm$code" -i -K 20000
  hostile "imm$code" alert-warning --alert "$code" --timeout 10
  all_echoed "imm$code"
  ended_ok "imm$code"
done

# delayed mode: echo-wait's STARTTLS prelude, then the same
hostile_server delayed -K 20000
hostile delayed alert-warning --starttls --timeout 10
all_echoed delayed
ended_ok delayed
pass
