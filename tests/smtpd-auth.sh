#!/bin/bash
# smtpd-auth: AUTH passes through to the server, and an AUTH response is
# not a command: after a 334 the client's next line goes to the server
# whatever it says -- "STARTTLS" there is a (bad) credential, answered by
# exim, not by starttls-smtpd.  AUTH PLAIN works before and after TLS,
# with and without an initial response.
. "$(dirname "$0")/lib.sh"
certs
start_smtpd srv

with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO c.example' 'reply 250 ^250-AUTH PLAIN$' \
  'send AUTH PLAIN' 'reply 334' 'send STARTTLS' 'reply 535' \
  'send AUTH PLAIN' 'reply 334' 'send *' 'reply 501' \
  'send STARTTLS' 'reply 220 ^220 2.0.0 Ready to start TLS$' tls \
  'send EHLO c.example' 'reply 250 ^250-AUTH PLAIN$' \
  'send AUTH PLAIN' 'reply 334' 'send AHVzZXIAcGFzcw==' 'reply 235' \
  'send QUIT' 'reply 221' eof \
  >"$T/py.log" 2>&1 || fail "AUTH session failed: $(tail -n 5 "$T/py.log")"

# an initial response, pipelined with MAIL (RFC 4954 allows it)
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO c.example' 'reply 250' \
  'send STARTTLS' 'reply 220' tls 'send EHLO c.example' 'reply 250' \
  'sendraw AUTH PLAIN AHVzZXIAcGFzcw==\r\nMAIL FROM:<auth@example.org>\r\n' 'reply 235' 'reply 250' \
  'send QUIT' 'reply 221' eof \
  >"$T/py2.log" 2>&1 || fail "AUTH with initial response failed: $(tail -n 5 "$T/py2.log")"
assert_file_contains "$EXIM_LOG" "mail from=<auth@example.org> tls=ECDHE-"
pass
