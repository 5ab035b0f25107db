#!/bin/bash
# client-agent-example: the delivery agent of ucspitlsc(1), DELIVERY
# AGENTS, run as the manual page writes it, with src/demo/smtp-client.
# Only the outside world is swapped: mxlist and tlsarecords (the agent's
# DNS) are shell functions, the mail exchangers are 127.0.0.2 and
# 127.0.0.3 (ucspitlsd and smtpish, one port number on both addresses,
# in place of 25).  The first has a self-signed certificate, the second
# one for another name.
#   1. records for the first that do not match, none for the second:
#      the first refuses (99) without getting the message; the second
#      gets it over opportunistic TLS (SSL_SERVER_VERIFY=NONE);
#   2. a record for the first that matches: it gets the message, with
#      DANE (SUCCESS, 3 1 1); the second is not tried.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/dane.sh"
certs
unset CAFILE CADIR

agent=$(sed -n '/^for mx in \$(mxlist example.org); do$/,/^exit 111 /p' "$TOP/doc/ucspitlsc.1" | sed 's/\\e/\\/g')
[ -n "$agent" ] || fail "no agent example in doc/ucspitlsc.1"
case $agent in *'tcpclient -RHl0 "$mx" 25 '*) ;; *) fail "the example's tcpclient line: $agent" ;; esac

port=$(free_port)
# mx N ADDR CERT KEY
mx() {
  CERTFILE=$3 KEYFILE=$4 TEST_LOG=$T/mx$1.log \
    start_bg "mx$1" tcpserver -1 -H -R -l 0 "$2" "$port" ucspitlsd "$PY" "$APPS/smtpish.py" Y
  wait_for 10 _nonempty "$T/mx$1.out" || fail "tcpserver on $2 did not start: $(cat "$T/mx$1.err")"
}
mx 1 127.0.0.2 "$SELF_CERT" "$SELF_KEY"
mx 2 127.0.0.3 "$MAIL_CERT" "$MAIL_KEY"
printf 'Subject: agent\n\nhello\n' >"$T/msg"

# run CASE RECORDS-FOR-THE-FIRST
run() {
  local script
  script="mxlist() { echo 127.0.0.2 127.0.0.3; }
tlsarecords() { case \$1 in _25._tcp.127.0.0.2) printf '%s' '$2' ;; esac; }
rcpt=postmaster@example.org msg=$T/msg
${agent//\"\$mx\" 25 /\"\$mx\" $port }"
  PATH=$TOP/src/demo:$PATH with_timeout 60 bash -c "$script" >"$T/$1.out" 2>"$T/$1.err"
  rc=$?
}

run 1 "3 1 1 $(printf '%064d' 0)"
assert_eq 0 "$rc" "1: the agent's status ($(cat "$T/1.err"))"
assert_file_contains "$T/1.err" "ucspitlsc: fatal: TLS handshake failed: policy dane: no TLSA record matches"
assert_file_contains "$T/1.out" "SSL_SERVER_VERIFY=NONE"
assert_file_contains "$T/1.out" "SSL_SERVER_S_DN_CN=mail.example.org"
assert_file_contains "$T/1.out" "smtp-client: delivered: 250 "
assert_file_not_contains "$T/mx1.log" "cmd MAIL" "1: the first MX"
assert_file_contains "$T/mx2.log" "cmd MAIL FROM:<>" "1: the second MX"

: >"$T/mx2.log"
run 2 "$(tlsa 3 1 1 "$SELF_CERT")"
assert_eq 0 "$rc" "2: the agent's status ($(cat "$T/2.err"))"
assert_file_contains "$T/2.out" "SSL_SERVER_VERIFY=SUCCESS"
assert_file_contains "$T/2.out" "SSL_SERVER_DANE=3 1 1"
assert_file_contains "$T/mx1.log" "cmd MAIL FROM:<>" "2: the first MX"
assert_file_not_contains "$T/mx2.log" "cmd MAIL" "2: the second MX"
pass
