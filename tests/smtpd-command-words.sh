#!/bin/bash
# smtpd-command-words: starttls-smtpd reads a command's verb as every
# server behind it does, or refuses the line.  Exim strips every trailing
# isspace() (so "DATA\v" and "DATA\r" are DATA to it, and answer 354),
# Postfix splits words on every isspace(), leading ones too, and qmail-smtpd
# on the first space only: a line that starts with a space, holds a
# control character other than a tab before its CR LF (VT, FF, a second
# CR, NUL), or whose verb is not letters, digits and '-' ("D\ATA") is
# answered "500 5.5.2" by starttls-smtpd and never reaches the server.
# Before and after TLS, behind qmail-smtpd.py (netqmail's reading) and
# behind Debian's exim4: each odd DATA gets 500, the session goes on (no
# stall: a real DATA, a message, STARTTLS, QUIT all answered in order),
# the server takes exactly the one message, and never sees an odd line.
. "$(dirname "$0")/lib.sh"
certs

odd='DATA\x0b DATA\x0c DATA\r\r DATA\x00 DATA\x0b\x0b\r \x20DATA \tDATA D\\ATA DA"TA"'
session() {  # name
  local a=() l
  for l in $odd; do a+=("sendraw ${l}\\r\\n" 'reply 500 ^500 5.5.2 '); done
  with_timeout 60 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
    'reply 220' 'send EHLO c.example' 'reply 250' \
    'send MAIL FROM:<w1@example.org>' 'reply 250' 'send RCPT TO:<b@mx.test>' 'reply 250' \
    "${a[@]}" \
    'send DATA' 'reply 354' 'sendraw Subject: w1\r\n\r\nbody\r\n.\r\n' 'reply 250' \
    'send STARTTLS' 'reply 220' tls 'send EHLO c.example' 'reply 250' \
    'send MAIL FROM:<w2@example.org>' 'reply 250' 'send RCPT TO:<b@mx.test>' 'reply 250' \
    "${a[@]}" \
    'send NOOP' 'reply 250' 'send QUIT' 'reply 221' eof \
    >"$T/py-$1.log" 2>&1 || fail "$1: session failed: $(tail -n 5 "$T/py-$1.log")"
  wait_lines "$T/$1.status" 1
  assert_eq "exit 0" "$(sed -n 1p "$T/$1.status")" "starttls-smtpd's exit status behind $1"
}

# behind qmail-smtpd.py: its log has every command it read
QMAIL_LOG=$T/qmail.log start_smtpd_qmail qmail
session qmail
assert_eq 1 "$(grep -c '^message ' "$T/qmail.log")" "messages qmail took"
assert_eq "" "$(grep '^cmd ' "$T/qmail.log" | grep -a -v -x -E 'cmd (EHLO c\.example|MAIL FROM:<w[12]@example\.org>|RCPT TO:<b@mx\.test>|DATA|NOOP|QUIT)' | cat -A)" \
  "the lines qmail read other than the session's plain ones"
stop qmail

# behind exim
exim_conf "the part behind qmail-smtpd.py passed"
start_smtpd exim
session exim
assert_eq 1 "$(grep -c ' <= w1@example.org ' "$EXIM_LOG")" "messages exim took"
pass
