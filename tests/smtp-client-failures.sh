#!/bin/bash
# smtp-client-failures: src/demo/smtp-client ends every failure with one
# line of its own on stderr and a documented status, never with a signal
# or a traceback, under tcpclient and ucspitlsc (delayed mode):
#   - a server that is not SMTP (garbage, then nothing):        111
#   - one that closes after its greeting:                       111
#   - one that says nothing within -T 2:                        111
#   - a 554 greeting, a 550 to RCPT:                            100
#   - a 451 to MAIL:                                            111
#   - a server that offers STARTTLS and then closes at once:    98,
#     the TLS child's status, read by waiting for it
#   - usage errors, and not being run under tcpclient:          100
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA
CLIENT=$TOP/src/demo/smtp-client

# srv NAME SCRIPT -- a plaintext server (sh, one line at a time); PORT
srv() { start_tcpserver "srv-$1" sh -c "$2"; }

# try NAME STATUS WHY [client options]
try() {
  local c=$1 want=$2 why=$3
  shift 3
  printf 'Subject: x\n\nbody\n' | with_timeout 40 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -k localhost \
    "$CLIENT" "$@" >"$T/$c.out" 2>"$T/$c.err"
  assert_eq "$want" "$?" "$c: exit status ($(cat "$T/$c.err"))"
  assert_eq 1 "$(grep -c '^smtp-client: fatal: ' "$T/$c.err")" "$c: smtp-client's lines: $(cat "$T/$c.err")"
  assert_file_contains "$T/$c.err" "smtp-client: fatal: $why" "$c"
  ! grep -q -e Traceback -e '^  File ' "$T/$c.err" || fail "$c: a traceback: $(cat "$T/$c.err")"
}

r='IFS= read -r l'
srv garbage 'printf "hello, this is not SMTP\r\n"; sleep 30'
try garbage 111 "not an SMTP reply: 'hello, this is not SMTP'"
srv close 'printf "220 mx ESMTP\r\n"'
try close 111 "the server closed the connection, waiting for the reply to EHLO"
srv silent 'sleep 30'
try silent 111 "no reply from the server in 2 seconds, waiting for the greeting" -T 2
srv g554 'printf "554 no service\r\n"; sleep 5'
try g554 100 "greeting: the server said: 554 no service"
srv rcpt "printf '220 mx\r\n'; $r; printf '250 mx\r\n'; $r; printf '250 ok\r\n'; $r; printf '550 5.1.1 no such user\r\n'; $r; printf '221 bye\r\n'"
try rcpt 100 "RCPT: the server said: 550 5.1.1 no such user"
srv mail "printf '220 mx\r\n'; $r; printf '250 mx\r\n'; $r; printf '451 4.3.0 try later\r\n'; sleep 5"
try mail 111 "MAIL: the server said: 451 4.3.0 try later"
srv tls "printf '220 mx\r\n'; $r; printf '250-mx\r\n250 STARTTLS\r\n'; $r; printf '220 go ahead\r\n'"
try tls 98 "TLS handshake failed: ucspitlsc exited 98 (a TLS error)"

"$CLIENT" -x </dev/null >/dev/null 2>"$T/usage.err"
assert_eq 100 "$?" "a bad option"
assert_file_contains "$T/usage.err" "smtp-client: usage: "
"$CLIENT" -T 0 </dev/null >/dev/null 2>"$T/usage0.err"
assert_eq 100 "$?" "-T 0"
"$CLIENT" </dev/null >/dev/null 2>"$T/nofd.err" 6<&- 7>&-
assert_eq 100 "$?" "without fds 6 and 7"
assert_file_contains "$T/nofd.err" "smtp-client: fatal: fds 6 and 7 are not open"
pass
