#!/bin/bash
# s6-supervised: the README's run script for an SMTP server under
# tcpserver ("=== begin example smtpd-run ==="), as written, in a service
# directory supervised by s6-svscan, with s6-envdir reading CERTFILE and
# KEYFILE from ./env and s6-log in ./log catching the output (README's
# log/run, "=== begin example log-run ===", as written).  The only
# changes: 127.0.0.1 and a free port for "0 25", and qmail-smtpd is the
# project's UCSPI-TLS demo (README says so).  A STARTTLS session with
# openssl s_client works and ucspitlsd's -v2 line reaches the log; then
# s6-svc -d and s6-svscanctl -t bring everything down, and no process is
# left.
. "$(dirname "$0")/lib.sh"
certs

example=$(sed -n '/^=== begin example smtpd-run ===$/,/^=== end example smtpd-run ===$/{/^=== /d;p;}' "$TOP/README")
[ -n "$example" ] || fail "README has no smtpd-run example"
assert_contains "$example" "tcpserver" "the smtpd-run example"
assert_contains "$example" "ucspitlsd" "the smtpd-run example"
[ "$(printf '%s\n' "$example" | grep -c ' 0 25 ')" = 1 ] \
  || fail "the smtpd-run example no longer listens on '0 25': [$example]"

port=$(free_port)
scan=$T/scan
svc=$scan/smtpd
mkdir -p "$svc/env" "$svc/log" "$T/bin" || fail "mkdir"
printf '%s\n' "$example" | sed "s/ 0 25 / 127.0.0.1 $port /" >"$svc/run"
printf '%s' "$SRV_CERT" >"$svc/env/CERTFILE"
printf '%s' "$SRV_KEY" >"$svc/env/KEYFILE"
# README's log/run, as written
sed -n '/^=== begin example log-run ===$/,/^=== end example log-run ===$/{/^=== /d;p;}' "$TOP/README" >"$svc/log/run"
grep -q '^exec s6-log ' "$svc/log/run" || fail "README has no log-run example with s6-log: [$(cat "$svc/log/run")]"
chmod 755 "$svc/run" "$svc/log/run"
ln -s "$TOP/src/demo/smtpd-demo" "$T/bin/qmail-smtpd"
say "run script:"; sed 's/^/  /' "$svc/run" >&2

# s6-svscan, with the demo (as qmail-smtpd) and ucspitlsd on its PATH
PATH=$T/bin:$PATH start_bg svscan s6-svscan "$scan"
_supervised() { s6-svok "$svc" && s6-svok "$svc/log" && [ -e "$svc/supervise/status" ]; }
wait_for 10 _supervised || fail "s6-svscan did not start s6-supervise: $(cat "$T/svscan.err")"
s6-svwait -u -t 10000 "$svc" || fail "the service did not come up: $(s6-svstat "$svc" 2>&1)"
wait_port "$port" 10

with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
  'expect ^Verification: OK' \
  'send EHLO s6.example' 'expect ^250-localhost TLS on, ECDHE-ECDSA-' \
  'send QUIT' 'expect ^221 ' 'exit any' \
  -- openssl s_client -starttls smtp -connect "127.0.0.1:$port" -CAfile "$CA" \
       -verify_return_error -verify_hostname localhost -servername localhost \
       -brief -ign_eof >"$T/sclient.log" 2>&1 \
  || fail "openssl s_client session failed: $(tail -n 5 "$T/sclient.log")"
grep -q '^Protocol version: TLSv1.2' "$T/sclient.log" || fail "s_client did not get TLSv1.2"

# the -v2 line went through exec 2>&1 into s6-log
_logged() { grep -q 'ucspitlsd: info: peer=127\.0\.0\.1:[0-9]* sni=localhost protocol=TLSv1\.2 .* end=ok' "$svc/log/main/current" 2>/dev/null; }
wait_for 10 _logged || fail "no -v2 line in the s6-log output: [$(cat "$svc/log/main/current" 2>&1)]"
# and the configuration did not reach the application (-z by default)
assert_file_not_contains "$svc/log/main/current" "fatal"

# down, then the whole tree
tcpserver_pid=$(s6-svstat -p "$svc") || fail "s6-svstat"
s6-svc -d "$svc" || fail "s6-svc -d"
s6-svwait -d -t 10000 "$svc" || fail "the service did not go down"
wait_gone "$tcpserver_pid" 10 || fail "tcpserver ($tcpserver_pid) still running after s6-svc -d"
! port_listening "$port" || fail "port $port still listening after s6-svc -d"
s6-svscanctl -t "$scan" || fail "s6-svscanctl -t"
wait_gone "$PID_svscan" 10 || fail "s6-svscan still running after s6-svscanctl -t"
_all_gone() { [ -z "$(strays_left)" ]; }
wait_for 10 _all_gone || fail "processes left after s6-svscanctl -t: $(strays_left)"
pass
