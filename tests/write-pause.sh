#!/bin/bash
# write-pause: a prog that writes and then waits for an answer gets its
# whole write sent, whatever its size.  The copy loop reads prog's pipe
# into the engine's 16 KiB record and a stage behind it, and must flush
# the last partial record as soon as prog pauses.  Sizes sit on every
# boundary: one byte, a record (16384), the engine's buffer plus the
# stage (65536), and either side of them, up to several pipefuls.  Both
# directions, ucspitlsc -i against ucspitlsd -i; each exchange waits for
# the other end's "got N", so a write held back would stall the test
# (bounded at 60 s).  Then the same with delayed mode on the server.
. "$(dirname "$0")/lib.sh"
certs

sizes=(1 2 16383 16384 16385 32768 49151 49152 49153 65535 65536 65537 81919 81920 81921 131072 200000 1048576)
count=$(( ${#sizes[@]} * 2 ))

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver srv ucspitlsd -i "$PY" "$APPS/pingpong.py" server 0 1 "${sizes[@]}"
out=$(CAFILE=$CA with_timeout 60 tcpclient -RHl0 127.0.0.1 "$PORT" \
      ucspitlsc -i -k localhost "$PY" "$APPS/pingpong.py" client 6 7 "${sizes[@]}" 2>"$T/c1.err") \
  || fail "immediate mode: the exchanges did not complete: $(cat "$T/c1.err" "$T/srv.err")"
assert_eq "ok $count" "$out" "immediate mode"
stop srv

# the server's prog starts in clear and asks for TLS: ctlapp-style, via
# a small shell that sends Y and then hands the fds to pingpong
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver srv2 ucspitlsd \
  bash -c 'printf Y >&"$SSLCTLFD" && exec "$0" "$1" "$2" "$SSLREADFD" "$SSLWRITEFD" "${@:3}"' \
  "$PY" "$APPS/pingpong.py" server "${sizes[@]}"
out=$(CAFILE=$CA with_timeout 60 tcpclient -RHl0 127.0.0.1 "$PORT" \
      ucspitlsc -i -k localhost "$PY" "$APPS/pingpong.py" client 6 7 "${sizes[@]}" 2>"$T/c2.err") \
  || fail "delayed mode: the exchanges did not complete: $(cat "$T/c2.err" "$T/srv2.err")"
assert_eq "ok $count" "$out" "delayed mode"
pass
