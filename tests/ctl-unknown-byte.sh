#!/bin/bash
# ctl-unknown-byte: a control byte other than y or Y is a protocol error:
# the TLS child says so in one fatal line naming the byte and exits 100,
# and the connection is not touched: the client's plaintext dialogue goes
# on with the application on fds 0/1, every byte the client sends still
# reaches it, and nothing but the application's own plaintext ever comes
# back (the whole wire capture is compared byte for byte).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

for b in 41 00 0a; do
  TEST_STATUS_FILE=$T/b$b.child TEST_LOG=$T/b$b.log \
    start_tcpserver "b$b" ucspitlsd -v2 "$PY" "$APPS/ctlapp.py" "bad:$b"
  with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" --raw "$T/b$b.raw" \
    'reply 220' 'send ECHO one' 'reply 250 ^250 one$' \
    'send STARTTLS' 'reply 220 ^220 go ahead$' 'reply 250 ^250 still plaintext$' \
    'send ECHO two' 'reply 250 ^250 two$' 'send QUIT' 'reply 221' eof \
    >"$T/b$b.client" 2>&1 || fail "b$b: client: $(tail -n 3 "$T/b$b.client")"
  wait_lines "$T/b$b.child" 1
  assert_eq "exit 100" "$(status_line "$T/b$b.child")" "TLS child status for control byte 0x$b"
  printf '220 ctlapp\r\n250 one\r\n220 go ahead\r\n250 still plaintext\r\n250 two\r\n221 bye\r\n' >"$T/expected"
  cmp -s "$T/expected" "$T/b$b.raw" || fail "b$b: the wire carried more than the plaintext dialogue: $(od -c "$T/b$b.raw" | head -n 20)"
  assert_eq 1 "$(grep -c '^ucspitlsd: fatal: ' "$T/b$b.err")" "b$b: number of fatal lines"
  grep -q "^ucspitlsd: fatal: .*0x$b" "$T/b$b.err" || fail "b$b: the fatal line does not name the byte: $(cat "$T/b$b.err")"
  assert_file_not_contains "$T/b$b.err" "ucspitlsd: warning" "b$b: stderr"
  wait_no_ucspitlsd
done
pass
