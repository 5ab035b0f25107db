#!/bin/bash
# imapd-injection: STARTTLS command injection and literals, behind
# mailutils' imap4d.  A command pipelined behind STARTTLS in the same
# segment makes STARTTLS refused (BAD) and is answered in plaintext; a
# literal, synchronizing or not, whose bytes are "d STARTTLS" is a
# literal, never a command; a command refused before TLS (LOGIN) loses
# its literal with it; STARTTLS alone then works, and inside TLS the
# capability list has no STARTTLS.  A server that sends a continuation
# request that no command waits for, or a tagged response with another
# tag, never gets them to the client.  A NUL or a bare LF ends the
# session with "* BYE".
. "$(dirname "$0")/lib.sh"
certs
start_imapd srv
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'line ^\* OK' \
  'sendraw a STARTTLS\r\nb CAPABILITY\r\n' 'line ^a BAD Pipelined input after STARTTLS' \
  'line ^\* CAPABILITY .*STARTTLS LOGINDISABLED' 'line ^b OK' \
  'sendraw c SELECT {12+}\r\nd STARTTLS\r\n\r\n' 'line ^c (NO|BAD)' \
  'send e SELECT {12}' 'line ^\+ ' 'sendraw d STARTTLS\r\n\r\n' 'line ^e (NO|BAD)' \
  'sendraw f LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n' 'line ^f NO \[PRIVACYREQUIRED\]' \
  'send g LOGIN {5}' 'line ^g NO \[PRIVACYREQUIRED\]' \
  'send h NOOP' 'line ^h OK' \
  'send i STARTTLS' 'line ^i OK Begin TLS' tls \
  'send j CAPABILITY' 'line ^\* CAPABILITY ' 'line ^j OK' \
  'send k STARTTLS' 'line ^k BAD TLS already active' \
  'send l LOGIN alice@example.org secret' 'line ^l OK' \
  'send m LOGOUT' 'line ^\* BYE' 'line ^m OK' eof \
  >"$T/py.log" 2>&1 || fail "session failed: $(tail -n 5 "$T/py.log")"
assert_file_contains "$T/srv.err" "starttls-imapd: warning: STARTTLS refused"
grep -q "^S: [a-h] OK Begin" "$T/py.log" && fail "a literal's STARTTLS was obeyed: $(cat "$T/py.log")"
grep "^S: \* CAPABILITY" "$T/py.log" | tail -n 1 | grep -q STARTTLS && fail "STARTTLS listed inside TLS"

for bad in 'n NO\x00OP\r\n' 'n NOOP\n' 'n NOOP\x0b\r\n'; do
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
    'line ^\* OK' "sendraw $bad" 'line ^\* BYE .*closing connection' eof \
    >"$T/bad.log" 2>&1 || fail "bad line $bad: $(tail -n 5 "$T/bad.log")"
done

# a server that says more than it was asked
stop srv
cat >"$T/chatty.py" <<'EOP'
import os, sys
os.write(1, b"* OK [CAPABILITY IMAP4rev1] chatty\r\n")
buf = b""
while True:
    c = os.read(0, 1)
    if not c:
        sys.exit(0)
    buf += c
    if not buf.endswith(b"\n"):
        continue
    tag, _, cmd = buf.strip().partition(b" ")
    buf = b""
    if cmd.upper() == b"NOOP":
        os.write(1, tag + b" OK done\r\n+ injected\r\nzz OK injected\r\n")
    elif cmd.upper() == b"LOGOUT":
        os.write(1, b"* BYE bye\r\n" + tag + b" OK bye\r\n")
        sys.exit(0)
    else:
        os.write(1, tag + b" BAD no\r\n")
EOP
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver srv3 ucspitlsd -v2 starttls-imapd "$PY" "$T/chatty.py"
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'line ^\* OK \[CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\] chatty$' 'send a NOOP' 'line ^a OK done$' \
  'send b STARTTLS' 'line ^b OK Begin TLS' tls \
  'send c NOOP' 'line ^c OK done$' 'send d LOGOUT' 'line ^\* BYE' 'line ^d OK' eof \
  >"$T/py2.log" 2>&1 || fail "chatty session failed: $(tail -n 5 "$T/py2.log")"
assert_file_not_contains "$T/py2.log" "injected"
pass
