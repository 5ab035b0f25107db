#!/bin/bash
# pop3d-injection: STLS command injection and response injection (the
# EAST cases that apply to an adapter).  A command pipelined behind STLS
# in the same segment came in the clear: STLS is refused and the command
# is answered in plaintext, never inside TLS; STLS alone then works.  A
# server that sends more than its response (here, a second "+OK" line
# after NOOP's) never gets it to the client: not in plaintext, where it
# would pass for the answer to STLS, and not inside TLS.
. "$(dirname "$0")/lib.sh"
certs
mkdir -p "$T/Maildir"
start_pop3d_prog srv -- "$PY" "$APPS/qmail-popup.py" pop.test \
  "$PY" "$APPS/qmail-pop3d.py" alice secret "$T/Maildir" "$T/env"
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'line ^\+OK$' \
  'sendraw STLS\r\nCAPA\r\n' 'line ^-ERR Pipelined input after STLS' \
  'line ^\+OK ' 'line ^STLS$' 'line ^\.$' \
  'sendraw STLS\r\nUSER alice\r\n' 'line ^-ERR Pipelined input after STLS' 'line ^-ERR Cleartext login refused' \
  'send STLS' 'line ^\+OK Begin TLS' tls \
  'send CAPA' 'line ^-ERR authorization first$' \
  'send QUIT' 'line ^\+OK' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 5 "$T/py.log")"
assert_file_contains "$T/srv.err" "starttls-pop3d: warning: STLS refused"

# a server that says more than it was asked
stop srv
cat >"$T/chatty.py" <<'EOP'
import os, sys
os.write(1, b"+OK chatty\r\n")
buf = b""
while True:
    c = os.read(0, 1)
    if not c:
        sys.exit(0)
    buf += c
    if not buf.endswith(b"\n"):
        continue
    line, buf = buf.strip().upper(), b""
    if line == b"NOOP":
        os.write(1, b"+OK\r\n+OK injected\r\n")
    elif line == b"QUIT":
        os.write(1, b"+OK bye\r\n")
        sys.exit(0)
    else:
        os.write(1, b"-ERR no\r\n")
EOP
start_pop3d_prog srv2 -- "$PY" "$T/chatty.py"
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'line ^\+OK chatty$' 'send NOOP' 'line ^\+OK$' \
  'send STLS' 'line ^\+OK Begin TLS' tls \
  'send NOOP' 'line ^\+OK$' 'send QUIT' 'line ^\+OK bye$' eof \
  >"$T/py2.log" 2>&1 || fail "chatty session failed: $(tail -n 5 "$T/py2.log")"
assert_file_not_contains "$T/py2.log" "injected"
pass
