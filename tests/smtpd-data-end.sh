#!/bin/bash
# smtpd-data-end: starttls-smtpd and the server behind it agree on where
# a DATA body ends, whichever server it is: Debian's exim4 4.96 (with the
# CVE-2023-51766 fix, it keeps "LF . LF" as body in a CRLF message) and
# tests/apps/qmail-smtpd.py (netqmail's blast(): the end is CR LF . CR LF
# only, a bare LF ends the session with 451).  Bodies hold LF . LF,
# CR LF . LF, LF . CR LF and CR . CR, each followed by a command, then
# the real end and a pipelined command (MAIL, or STARTTLS); before and
# after TLS.  The client gets exactly the server's replies, in order and
# none missing (nothing hangs); the server takes exactly the messages
# that the client ended with CR LF . CR LF, each whole, every bare line
# end turned into CR LF and each lone dot kept as a line of the body.
. "$(dirname "$0")/lib.sh"
certs

# the body of message N, with its ambiguous lone dots and the real end
body() {
  printf 'Subject: m%s\\r\\n\\r\\none\\n.\\nRSET\\r\\ntwo\\r\\n.\\nNOOP\\r\\nthree\\n.\\r\\nQUIT\\r\\n' "$1"
  printf 'four\\r.\\rRSET\\r\\n..five\\r\\n.\\r\\n'
}
# the same as a server must store it (dots unstuffed, line ends LF: exim's
# -D file and qmail's queue both keep LF)
stored() {
  printf '%s\n' "Subject: m$1" "" one . RSET two . NOOP three . QUIT four . RSET .five
}

session() {  # server-name reply-to-message
  local ok=$1
  with_timeout 60 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
    'reply 220' 'send EHLO c.example' 'reply 250' \
    'send MAIL FROM:<m1@example.org>' 'reply 250' 'send RCPT TO:<b@mx.test>' 'reply 250' \
    'send DATA' 'reply 354' "sendraw $(body 1)MAIL FROM:<m2@example.org>\\r\\n" \
    "reply 250 $ok" 'reply 250' \
    'send RCPT TO:<b@mx.test>' 'reply 250' 'send DATA' 'reply 354' \
    "sendraw $(body 2)STARTTLS\\r\\n" "reply 250 $ok" 'reply 220' tls \
    'send EHLO c.example' 'reply 250' \
    'send MAIL FROM:<m3@example.org>' 'reply 250' 'send RCPT TO:<b@mx.test>' 'reply 250' \
    'send DATA' 'reply 354' "sendraw $(body 3)QUIT\\r\\n" "reply 250 $ok" 'reply 221' eof \
    >"$T/py-$2.log" 2>&1 || fail "$2: session failed: $(tail -n 5 "$T/py-$2.log")"
}

# behind exim, where it is installed (else the test ends as skipped,
# after the part behind qmail-smtpd.py)
if have_exim; then
  start_smtpd exim
  session '^250 OK id=' exim
  assert_eq 3 "$(grep -c ' <= m[123]@example.org ' "$EXIM_LOG")" "messages exim took"
  for n in 1 2 3; do
    h=$(grep -l "Subject: m$n\$" "$EXIM_SPOOL"/*-H 2>/dev/null)
    [ -n "$h" ] || fail "message m$n not in exim's spool"
    tail -n +2 "${h%-H}-D" >"$T/body$n"
    stored "$n" | sed 1,2d >"$T/expected$n"
    cmp -s "$T/expected$n" "$T/body$n" || fail "exim: body of m$n differs: [$(cat -A "$T/body$n")]"
  done
  assert_file_not_contains "$EXIM_LOG" "synchronization error" "exim's log"
  wait_lines "$T/exim.status" 1
  assert_eq "exit 0" "$(sed -n 1p "$T/exim.status")" "starttls-smtpd's exit status behind exim"
fi

# behind qmail-smtpd's reading of DATA
QMAIL_LOG=$T/qmail.log start_smtpd_qmail qmail
session '^250 ok ' qmail
assert_file_not_contains "$T/qmail.log" "straynewline" "qmail-smtpd.py's log"
assert_eq 3 "$(grep -c '^message ' "$T/qmail.log")" "messages qmail-smtpd.py took"
for n in 1 2 3; do
  want=$("$PY" -c 'import sys; print(repr(sys.stdin.buffer.read()))' < <(stored "$n"))
  grep -qxF "message $(( n == 3 ? 1 : n )) $want" "$T/qmail.log" \
    || fail "qmail: body of m$n differs: want [$want], log: [$(grep '^message' "$T/qmail.log")]"
done
wait_lines "$T/qmail.status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/qmail.status")" "starttls-smtpd's exit status behind qmail-smtpd.py"
need_exim "the part behind qmail-smtpd.py passed"
pass
