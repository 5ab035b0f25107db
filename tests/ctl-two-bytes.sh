#!/bin/bash
# ctl-two-bytes: the first control byte decides, and there is only ever
# one handshake.  prog writes "yy" in one go, "Yy", "yY", or y and then
# (TLS up, the channel closed by the child) y again: each time exactly one
# handshake happens (the client, tests/apps/miniclient.py, refuses any
# record after the handshake that is not application data, so a second
# handshake would fail it), the session works to QUIT, the TLS child
# exits 0, the -v2 line says end=ok, the facts block is there exactly
# once when the first byte is Y (tests/apps/facts-check.py: one block,
# the facts of the session, nothing after it), and absent when it is y,
# and prog sees end-of-file on SSLCTLFD once TLS is up, as with a single
# byte.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

session() { # NAME
  with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
    'reply 220' 'send STARTTLS' 'reply 220' 'tls localhost' \
    'send ECHO one' 'reply 250 ^250 one$' 'send ECHO two' 'reply 250 ^250 two$' \
    'send QUIT' 'reply 221' eof >"$T/$1.client" 2>&1 \
    || fail "$1: client: $(tail -n 3 "$T/$1.client")"
}
check_end() { # NAME
  wait_lines "$T/$1.child" 1
  assert_eq "exit 0" "$(status_line "$T/$1.child")" "$1: TLS child status"
  wait_lines "$T/$1.err" 1
  assert_eq 1 "$(wc -l <"$T/$1.err")" "$1: lines on stderr"
  grep -q '^ucspitlsd: info: .* end=ok$' "$T/$1.err" || fail "$1: $(cat "$T/$1.err")"
  wait_no_ucspitlsd
}

for pair in yy:7979 Yy:5979 yY:7959; do
  n=${pair%%:*} hex=${pair#*:}
  TEST_STATUS_FILE=$T/$n.child TEST_YBLOCK_FILE=$T/$n.block TEST_LOG=$T/$n.log \
    start_tcpserver "$n" ucspitlsd -v2 "$PY" "$APPS/ctlapp.py" "send:$hex"
  session "$n"
  check_end "$n"
  case $n in
    Y*) out=$("$PY" "$APPS/facts-check.py" --tls ECDHE-ECDSA-CHACHA20-POLY1305 "$T/$n.block" \
          SSL_TLS_SNI_SERVERNAME=localhost) || fail "$n: the facts block: $out" ;;
    *) if [ ! -f "$T/$n.block" ] || [ -s "$T/$n.block" ]; then
         fail "$n: what came on SSLCTLFD: [$(od -An -c "$T/$n.block" 2>&1 | tr -s ' ')]"
       fi ;;
  esac
done

# a second byte once TLS is up: the channel is closed, nothing happens
TEST_STATUS_FILE=$T/again.child TEST_LOG=$T/again.log \
  start_tcpserver again ucspitlsd -v2 "$PY" "$APPS/ctlapp.py" twice:y
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" \
  'reply 220' 'send STARTTLS' 'reply 220' 'tls localhost' \
  'send ECHO one' 'reply 250 ^250 one$' 'send QUIT' 'reply 221' eof >"$T/again.client" 2>&1 \
  || fail "again: client: $(tail -n 3 "$T/again.client")"
check_end again
assert_file_contains "$T/again.log" "second byte: " "ctlapp's log"

# last: each time the channel ended with end-of-file, as it does for a
# single byte (an error such as ECONNRESET, which a close with the extra
# byte still unread causes, is not end-of-file)
for n in yy Yy yY again; do
  grep -q '^ctl eof after ' "$T/$n.log" \
    || fail "$n: prog did not see end-of-file on SSLCTLFD: $(grep '^ctl ' "$T/$n.log" | tr '\n' '|')"
done
pass
