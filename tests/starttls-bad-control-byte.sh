#!/bin/bash
# starttls-bad-control-byte: a first byte on SSLCTLFD other than `y`/`Y`
# is a control-protocol error: the TLS child reports it on stderr and exits
# 100, closing the control channel, and does not touch the connection:
# the plaintext session goes on to its end.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log

n=0
for hex in 41 00 0a 6e; do
  n=$((n + 1))
  start_tcpserver "srv$hex" ucspitlsd "$PY" "$APPS/smtpish.py" "x:$hex"
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
    'reply 220' 'send EHLO bad.example' 'reply 250 ^250-STARTTLS$' \
    'send STARTTLS' 'reply 454 \(child exit 100\)$' \
    'send XECHO still plaintext' 'reply 250 ^250 still plaintext$' \
    'send QUIT' 'reply 221' eof >"$T/client$hex.log" 2>&1 \
    || fail "session with control byte 0x$hex: $(tail -n 3 "$T/client$hex.log")"
  wait_lines "$T/status" "$n"
  assert_eq "exit 100" "$(sed -n "${n}p" "$T/status")" "TLS child status, control byte 0x$hex"
  [ ! -s "$T/block" ] || fail "bytes came back on the control channel (0x$hex): $(od -An -c "$T/block")"
  grep -q '^ucspitlsd: fatal: ' "$T/srv$hex.err" \
    || fail "no message for control byte 0x$hex: [$(cat "$T/srv$hex.err")]"
  stop "srv$hex"
done
pass
