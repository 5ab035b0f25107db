#!/bin/bash
# alert-warning: a warning alert other than close_notify, after the
# handshake, is passed over.  The peer (tests/apps/minitls, through
# hostile.py alert-warning) sends a line, a warning alert, a second line,
# all in one write; both lines are echoed by prog (echo-wait.py), the
# session goes on: a third line, a TCP half-close, and its echo too.  No
# line but the -v2 one; the TLS child ends as for any end-of-file: exit 0,
# end=ok, nothing left running.  For user_canceled (90), which a client
# sends before it closes, and unrecognized_name (112), which servers send as a
# warning.  Immediate and delayed mode.
. "$(dirname "$0")/lib.sh"
certs

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
  expect_ok "imm$code"
done

# delayed mode: echo-wait's STARTTLS prelude, then the same
hostile_server delayed -K 20000
hostile delayed alert-warning --starttls --timeout 10
all_echoed delayed
expect_ok delayed
pass
