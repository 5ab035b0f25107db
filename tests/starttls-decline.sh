#!/bin/bash
# starttls-decline: the application closes SSLCTLFD without writing a byte.
# The TLS child exits 0 at once without touching the connection, and the
# plaintext session goes on to its end on fds 0/1.  Also: an application
# that simply never asks for TLS (the channel closes when it ends) leaves
# the TLS child to exit 0 as well.
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log

# 1. declined up front: the app closes the three SSL fds and waits for the
# TLS child before it even greets, so every byte of the session below is
# exchanged after the child is gone.
start_tcpserver srv ucspitlsd "$PY" "$APPS/smtpish.py" n
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO plain.example' 'reply 250 ^250 HELP$' \
  'send STARTTLS' 'reply 454' \
  'send XECHO still plaintext' 'reply 250 ^250 still plaintext$' \
  'send MAIL FROM:<a@example.org>' 'reply 250' 'send RCPT TO:<b@example.org>' 'reply 250' \
  'send DATA' 'reply 354' 'send Subject: plain' 'send ' 'send body' 'send .' 'reply 250' \
  'send QUIT' 'reply 221' eof >"$T/py1.log" 2>&1 \
  || fail "plaintext session failed: $(tail -n 3 "$T/py1.log")"
assert_file_not_contains "$T/py1.log" "250-STARTTLS" "EHLO reply after decline"
wait_lines "$T/status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/status")" "TLS child status after decline"
# the child had ended before the greeting went out
[ "$(grep -n '^child ' "$T/app.log" | cut -d: -f1)" -lt "$(grep -n '^cmd EHLO' "$T/app.log" | cut -d: -f1)" ] \
  || fail "TLS child had not exited before the session"
stop srv

# 2. TLS offered but never asked for: plaintext to QUIT; at the end the
# control channel closes with no byte and the child exits 0.
start_tcpserver srv2 ucspitlsd "$PY" "$APPS/smtpish.py" y
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" \
  'reply 220' 'send EHLO plain.example' 'reply 250 ^250-STARTTLS$' \
  'send XECHO no tls today' 'reply 250 ^250 no tls today$' \
  'send QUIT' 'reply 221' eof >"$T/py2.log" 2>&1 \
  || fail "plaintext session failed: $(tail -n 3 "$T/py2.log")"
wait_lines "$T/status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/status")" "TLS child status, TLS never asked"

# neither session made the wrapper complain
for f in "$T/srv.err" "$T/srv2.err"; do
  assert_file_not_contains "$f" "ucspitlsd:" "stderr of ucspitlsd"
done
pass
