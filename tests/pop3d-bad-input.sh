#!/bin/bash
# pop3d-bad-input: a command line that the server might read otherwise
# than the adapter (longer than 1024 bytes, ended by a bare LF, with a NUL
# or another control character) ends the session with one -ERR line; a
# command that the adapter does not know is answered -ERR and never
# reaches the server; a server that dies owing a response is answered
# "-ERR Server ended", and its exit status is the adapter's.
. "$(dirname "$0")/lib.sh"
certs
mkdir -p "$T/Maildir"
start_pop3d_prog srv -- "$PY" "$APPS/qmail-popup.py" pop.test \
  "$PY" "$APPS/qmail-pop3d.py" alice secret "$T/Maildir" "$T/env"
long=$(head -c 1500 /dev/zero | tr '\0' x)
for bad in "NOOP $long\\r\\n:Line too long" 'NOOP\n:Line not ended by CR LF' \
  'NO\x00OP\r\n:Control character' 'NOOP\x0bx\r\n:Control character' 'NOOP\rQUIT\r\n:Control character'; do
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
    'line ^\+OK$' "sendraw ${bad%%:*}" "line ^-ERR ${bad#*:}.*closing connection$" eof \
    >"$T/py.log" 2>&1 || fail "bad line ${bad#*:}: $(tail -n 5 "$T/py.log")"
done
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'line ^\+OK$' 'send XTND XMIT' 'line ^-ERR Unknown command$' 'send NOOP' 'line ^\+OK' 'send QUIT' 'line ^\+OK' eof \
  >"$T/py.log" 2>&1 || fail "unknown command: $(tail -n 5 "$T/py.log")"

stop srv
start_pop3d_prog srv2 -- sh -c 'printf "+OK hi\r\n"; read x; exit 3'
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'line ^\+OK hi$' 'send NOOP' 'line ^-ERR Server ended, closing connection$' eof \
  >"$T/py2.log" 2>&1 || fail "server death: $(tail -n 5 "$T/py2.log")"
wait_lines "$T/srv2.status" 1
assert_eq "exit 3" "$(sed -n 1p "$T/srv2.status")" "starttls-pop3d's exit status"
pass
