#!/bin/bash
# ctl-app-dies: prog writes its control byte and exits at once, without
# reading or closing anything.  The TLS child, orphaned, still does what
# the client asks and ends cleanly, and nothing is left behind:
#   1. y, the client completes the handshake: it gets end-of-file (prog's
#      output is closed), no plaintext and no second handshake; the -v2
#      line says end=ok
#   2. Y (the facts block goes to a channel nobody reads): the same
#   3. y, the client sends data after the handshake that nobody will
#      read: the same, end=ok, the data is dropped
#   4. y, the client sends garbage instead of a ClientHello: one fatal
#      line, end=error
#   5. y, the client closes without a word: one fatal line, end=error
# The orphan's exit status cannot be seen (its parent is gone): the -v2
# line stands for it; every time no ucspitlsd process is left.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# start NAME BYTE
start() {
  TEST_LOG=$T/$1.log start_tcpserver "$1" ucspitlsd -v2 -K 20000 "$PY" "$APPS/ctlapp.py" "die:$2"
}
ok_end() { # NAME
  wait_lines "$T/$1.err" 1 30
  sleep 0.2
  assert_eq 1 "$(wc -l <"$T/$1.err")" "$1: lines on stderr: $(cat "$T/$1.err")"
  grep -q '^ucspitlsd: info: .* end=ok$' "$T/$1.err" || fail "$1: $(cat "$T/$1.err")"
  wait_no_ucspitlsd
}

start y y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220 ^220 go ahead$' 'tls localhost' eof >"$T/y.client" 2>&1 \
  || fail "y: client: $(tail -n 3 "$T/y.client")"
ok_end y

start Y Y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220 ^220 go ahead$' 'tls localhost' eof >"$T/Y.client" 2>&1 \
  || fail "Y: client: $(tail -n 3 "$T/Y.client")"
ok_end Y

start data y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220 ^220 go ahead$' 'tls localhost' \
  'send ECHO nobody reads this' 'send ECHO nor this' eof >"$T/data.client" 2>&1 \
  || fail "data: client: $(tail -n 3 "$T/data.client")"
ok_end data

start garbage y
with_timeout 30 "$PY" "$APPS/hostile.py" -p "$PORT" --starttls garbage-text >"$T/garbage.client" 2>&1 \
  || fail "garbage: client: $(tail -n 3 "$T/garbage.client")"
expect_end garbage - - error 'TLS handshake failed'

start quiet y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" 'reply 220' 'send STARTTLS' 'reply 220 ^220 go ahead$' \
  >"$T/quiet.client" 2>&1 || fail "quiet: client: $(tail -n 3 "$T/quiet.client")"
expect_end quiet - - error 'TLS handshake failed: the peer closed the connection'
pass
