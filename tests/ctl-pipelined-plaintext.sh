#!/bin/bash
# ctl-pipelined-plaintext: plaintext that a client pipelined after its
# STARTTLS ("STARTTLS\r\nRSET\r\n" in one segment) is still on the socket
# when the switch happens (smtpish reads one byte at a time, and stops at
# the end of the STARTTLS line).  The TLS child reads it as the start of
# the handshake, and the handshake fails: exit 98, one fatal line -- the
# bytes are never skipped, and never taken for a command: no reply to
# RSET, not in clear and not at all.
#   1. the client then waits: it gets the 220, then TLS records at most
#   2. the client then tries a real handshake: it fails as well
. "$(dirname "$0")/lib.sh"
certs

starttls_server wait -K 20000
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT_wait" --raw "$T/wait.raw" \
  'reply 220' 'send EHLO pipe.example' 'reply 250 ^250-STARTTLS$' \
  'sendraw STARTTLS\r\nRSET\r\n' 'reply 220 ^220 2.0.0 ' >"$T/wait.client" 2>&1 \
  || fail "wait: client: $(tail -n 3 "$T/wait.client")"
expect_end wait "exit 0" "exit 98" error 'TLS handshake failed'
"$PY" - "$T/wait.raw" <<'PYEOF' || fail "wait: the wire: $(cat "$T/wait.raw.check")"
import struct, sys
data = open(sys.argv[1], "rb").read()
out = open(sys.argv[1] + ".check", "w")
k = data.find(b"220 2.0.0 ")
k = data.index(b"\n", k) + 1
rest = data[k:]
i = 0
while i < len(rest):
    if i + 5 > len(rest) or rest[i] not in (20, 21, 22, 23):
        out.write("not TLS after the 220: %r\n" % rest[i:i + 40]); sys.exit(1)
    i += 5 + struct.unpack("!H", rest[i + 3:i + 5])[0]
PYEOF
assert_file_not_contains "$T/wait.log" "cmd RSET" "smtpish's log"

starttls_server hs -K 20000
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT_hs" \
  'reply 220' 'sendraw STARTTLS\r\nRSET\r\n' 'reply 220 ^220 2.0.0 ' 'tls localhost' >"$T/hs.client" 2>&1
assert_file_contains "$T/hs.client" "miniclient: failed: handshake failed" "hs: client"
expect_end hs "exit 0" "exit 98" error 'TLS handshake failed'
assert_file_not_contains "$T/hs.log" "cmd RSET" "smtpish's log"
pass
