#!/bin/bash
# alert-fatal: a fatal alert after the handshake ends the session, at
# once, whatever prog is doing.  The peer sends a line and a fatal alert
# (level 2) in one write, then waits.  prog (echo-wait.py) gets the line
# (every byte before the alert is delivered), then end-of-file; it keeps
# its output open, busy, until its TLS child has ended (TEST_HOLD): the
# child must not wait for it.  The TLS child exits 98 with one line,
#   ucspitlsd: fatal: TLS connection failed: the peer sent fatal alert N
#   (NAME) (BR_ERR_RECV_FATAL_ALERT)
# then the -v2 line with end=error; the connection is closed; nothing is
# left running.  For internal_error (80), user_canceled (90) sent as
# fatal, and unexpected_message (10); immediate and delayed mode.
. "$(dirname "$0")/lib.sh"
certs
export TEST_HOLD=1

# server NAME OPTS... -- hostile_server, prog's input in $T/NAME.recv
server() {
  local name=$1; shift
  TEST_RECV_FILE=$T/$name.recv hostile_server "$name" "$@"
}

# fatal_case NAME CODE ALERTNAME [HOSTILE ARGS...]
fatal_case() {
  local name=$1 code=$2 aname=$3; shift 3
  hostile "$name" alert-fatal --alert "$code" --timeout 10 "$@"
  expect_end "$name" "exit 0" "exit 98" error \
    "^ucspitlsd: fatal: TLS connection failed: the peer sent fatal alert $code \\($aname\\) \\(BR_ERR_RECV_FATAL_ALERT\\)\$"
  assert_eq "before the alert" "$(cat "$T/$name.recv")" "$name: what prog received"
}

server imm80 -i -K 20000
fatal_case imm80 80 internal_error
server imm90 -i -K 20000
fatal_case imm90 90 user_canceled
server imm10 -i -K 20000
fatal_case imm10 10 unexpected_message
server delayed -K 20000
fatal_case delayed 80 internal_error --starttls
pass
