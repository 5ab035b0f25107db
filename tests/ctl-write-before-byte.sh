#!/bin/bash
# ctl-write-before-byte: what prog writes to SSLWRITEFD before its control
# byte is held, and sent encrypted after the handshake -- never in clear.
# prog writes a marker line first of all (before its greeting), and after
# STARTTLS waits 300 ms before its y (time for a leak to happen).  The
# client records every byte of the wire: the marker is not in it, the
# plaintext part is exactly the greeting and the 220, everything after is
# whole TLS records, and the marker is the first line of the decrypted
# stream.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
marker=MARKER-7f3a9c-held-until-tls

TEST_STATUS_FILE=$T/app.child TEST_LOG=$T/app.log \
  start_tcpserver app ucspitlsd -v2 "$PY" "$APPS/ctlapp.py" "prewrite:$marker"
with_timeout 30 "$PY" "$APPS/miniclient.py" -p "$PORT" --raw "$T/wire" \
  'reply 220 ^220 ctlapp$' 'send STARTTLS' 'reply 220 ^220 go ahead$' 'tls localhost' \
  "line ^$marker\$" 'send ECHO after' 'reply 250 ^250 after$' 'send QUIT' 'reply 221' eof \
  >"$T/client.log" 2>&1 || fail "client: $(tail -n 3 "$T/client.log")"
wait_lines "$T/app.child" 1
assert_eq "exit 0" "$(status_line "$T/app.child")" "TLS child status"
"$PY" - "$T/wire" "$marker" <<'PYEOF' || fail "the wire: $(cat "$T/wire.check")"
import struct, sys
data = open(sys.argv[1], "rb").read()
out = open(sys.argv[1] + ".check", "w")
if sys.argv[2].encode() in data:
    out.write("the marker is on the wire in clear\n"); sys.exit(1)
plain = b"220 ctlapp\r\n220 go ahead\r\n"
if not data.startswith(plain):
    out.write("the plaintext part is not just the two replies: %r\n" % data[:80]); sys.exit(1)
i = len(plain)
types = []
while i < len(data):
    if i + 5 > len(data) or data[i] not in (20, 21, 22, 23) or data[i + 1] != 3:
        out.write("not a TLS record at offset %d: %r\n" % (i, data[i:i + 16])); sys.exit(1)
    n = struct.unpack("!H", data[i + 3:i + 5])[0]
    if i + 5 + n > len(data):
        out.write("a record cut short at offset %d\n" % i); sys.exit(1)
    types.append(data[i])
    i += 5 + n
if 23 not in types:
    out.write("no application data records: %r\n" % types); sys.exit(1)
PYEOF
wait_no_ucspitlsd
pass
