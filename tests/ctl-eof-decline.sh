#!/bin/bash
# ctl-eof-decline: end-of-file on SSLCTLFD before any byte declines TLS;
# the TLS child exits 0 at once without touching the connection, and the
# -v2 line says end=declined.
#   1. prog closes SSLCTLFD alone (it keeps SSLREADFD/SSLWRITEFD): the
#      child ends before the greeting goes out; the plaintext dialogue
#      works; the wire carries exactly the plaintext
#   2. prog exits at once without ever looking at the channel: the client
#      gets its one line and then end-of-file promptly -- the TLS child,
#      which holds the connection too, must not keep it open
#   3. the same as 1 with data already written to SSLWRITEFD: it is
#      thrown away, never sent, neither in clear nor encrypted
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

TEST_STATUS_FILE=$T/close.child TEST_LOG=$T/close.log \
  start_tcpserver close ucspitlsd -v2 "$PY" "$APPS/ctlapp.py" decline
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" --raw "$T/close.raw" \
  'reply 220' 'send STARTTLS' 'reply 454' 'send ECHO plain' 'reply 250 ^250 plain$' \
  'send QUIT' 'reply 221' eof >"$T/close.client" 2>&1 || fail "close: client: $(tail -n 3 "$T/close.client")"
wait_lines "$T/close.child" 1
assert_eq "exit 0" "$(status_line "$T/close.child")" "TLS child status after EOF on SSLCTLFD"
printf '220 ctlapp\r\n454 no TLS\r\n250 plain\r\n221 bye\r\n' >"$T/expected"
cmp -s "$T/expected" "$T/close.raw" || fail "close: the wire: $(od -c "$T/close.raw" | head)"
[ "$(grep -n '^child ' "$T/close.log" | cut -d: -f1)" -lt "$(grep -n '^cmd ' "$T/close.log" | head -n 1 | cut -d: -f1)" ] \
  || fail "the TLS child had not ended before the dialogue: $(cat "$T/close.log")"
assert_eq 1 "$(wc -l <"$T/close.err")" "close: lines on stderr"
assert_file_contains "$T/close.err" " end=declined" "close: -v2 line"
wait_no_ucspitlsd

start_tcpserver gone ucspitlsd -v2 sh -c 'echo "220 bye"'
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" --timeout 10 'line ^220 bye$' eof \
  >"$T/gone.client" 2>&1 || fail "gone: client: $(tail -n 3 "$T/gone.client")"
wait_lines "$T/gone.err" 1
assert_eq 1 "$(wc -l <"$T/gone.err")" "gone: lines on stderr"
assert_file_contains "$T/gone.err" " end=declined" "gone: -v2 line"
wait_no_ucspitlsd

TEST_STATUS_FILE=$T/held.child TEST_LOG=$T/held.log \
  start_tcpserver held ucspitlsd -v2 "$PY" "$APPS/ctlapp.py" decline:SECRET-MARKER-5150
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" --raw "$T/held.raw" \
  'reply 220' 'send ECHO plain' 'reply 250 ^250 plain$' 'send QUIT' 'reply 221' eof \
  >"$T/held.client" 2>&1 || fail "held: client: $(tail -n 3 "$T/held.client")"
wait_lines "$T/held.child" 1
assert_eq "exit 0" "$(status_line "$T/held.child")" "held: TLS child status"
printf '220 ctlapp\r\n250 plain\r\n221 bye\r\n' >"$T/expected"
cmp -s "$T/expected" "$T/held.raw" || fail "held: the wire: $(od -c "$T/held.raw" | head)"
wait_no_ucspitlsd
pass
