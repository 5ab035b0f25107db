#!/bin/bash
# smtpd-server-status-after-switch: after STARTTLS, starttls-smtpd ends
# the plaintext server and starts a fresh one; when the fresh one is done
# before the old one has gone (here the old one takes 2 s over SIGTERM),
# starttls-smtpd still exits with the fresh server's status (7), with no
# line of its own.  Reaping the old server must not take the fresh one's
# status on its way (skalibs' wait_pid_nohang reaps any child).
. "$(dirname "$0")/lib.sh"
certs

cat >"$T/srv.sh" <<'SHEOF'
if mkdir "$1/first" 2>/dev/null; then
  # the plaintext server: slow to go
  trap 'sleep 2; exit 0' TERM
  printf '220 slow.example ESMTP\r\n'
  while read -r line; do
    case $line in
      EHLO*) printf '250-slow.example\r\n250 8BITMIME\r\n' ;;
      *) printf '250 ok\r\n' ;;
    esac
  done
  exit 0
fi
# the server inside TLS: greets, answers EHLO, then ends with 7 at QUIT
printf '220 tls.example ESMTP\r\n'
while read -r line; do
  case $line in
    EHLO*) printf '250 tls.example\r\n' ;;
    QUIT*) printf '221 bye\r\n'; exit 7 ;;
    *) printf '250 ok\r\n' ;;
  esac
done
exit 8
SHEOF

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver srv ucspitlsd \
  "$APPS/record-exit" "$T/srv.status" starttls-smtpd sh "$T/srv.sh" "$T"
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO c.example' 'reply 250 STARTTLS' 'send STARTTLS' 'reply 220' tls \
  'send EHLO c.example' 'reply 250 tls.example' 'send QUIT' 'reply 221' eof \
  >"$T/client.log" 2>&1 || fail "STARTTLS session failed: $(tail -n 5 "$T/client.log")"
wait_lines "$T/srv.status" 1 20
assert_eq "exit 7" "$(sed -n 1p "$T/srv.status")" "starttls-smtpd's exit status (the fresh server's)"
assert_file_not_contains "$T/srv.err" "starttls-smtpd:"
pass
