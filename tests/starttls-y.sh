#!/bin/bash
# starttls-y: delayed mode.  The application answers STARTTLS, writes `y`
# to SSLCTLFD and waits for end-of-file there; the wrapper does the
# handshake, closes the channel without a byte, and the dialogue goes on
# encrypted over SSLREADFD/SSLWRITEFD.  Clients: openssl s_client
# -starttls smtp and a Python ssl client.  After a clean end the TLS child
# exits 0.  The go-ahead reply may be written before or after the byte.
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log
start_tcpserver srv ucspitlsd "$PY" "$APPS/smtpish.py" y

# 1. openssl s_client: it does EHLO/STARTTLS itself, verifies the chain and
# the name, then we talk through it.  (Its exit status is not checked: by
# default (-s) the server ends with a TCP half-close and no close_notify,
# which s_client reports as an error.)
sclient_first after.example "over tls"
[ -f "$T/block" ] && [ ! -s "$T/block" ] \
  || fail "with y the control channel must close without a byte: [$(od -c "$T/block" 2>&1)]"
assert_file_contains "$T/app.log" "cmd XECHO over tls"
rm -f "$T/block"

# 2. Python ssl: the same dialogue, and more data after the switch,
# including a burst of pipelined commands in one write.
long=$(head -c 3000 /dev/zero | tr '\0' 'x')
burst=""
steps=()
for i in $(seq 1 50); do
  burst="${burst}XECHO line $i\\r\\n"
  steps+=("reply 250 ^250 line $i\$")
done
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO before.example' 'reply 250 ^250-STARTTLS$' \
  'send STARTTLS' 'reply 220 ^220 2.0.0 Ready to start TLS$' \
  tls \
  'send EHLO after.example' 'reply 250 ^250 HELP$' \
  'send XECHO hello after the switch' 'reply 250 ^250 hello after the switch$' \
  "send XECHO $long" "reply 250 ^250 $long\$" \
  "sendraw $burst" "${steps[@]}" \
  'send QUIT' 'reply 221' 'eof' >"$T/py.log" 2>&1 \
  || fail "python ssl session failed: $(tail -n 3 "$T/py.log")"
assert_file_contains "$T/py.log" "tls version=TLSv1.2 cipher=ECDHE-ECDSA-"
# after the switch, STARTTLS is not offered again
[ "$(grep -c '^S: 250-STARTTLS' "$T/py.log")" = 1 ] || fail "STARTTLS offered after TLS started"
wait_lines "$T/status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/status")" "TLS child status after python session"
[ -f "$T/block" ] && [ ! -s "$T/block" ] || fail "y: control channel gave bytes"

# 3. the app may write its go-ahead after the control byte as well
TEST_REPLY_ORDER=after start_tcpserver after ucspitlsd "$PY" "$APPS/smtpish.py" y
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni test.example.org \
  'reply 220' 'send EHLO before.example' 'reply 250 ^250-STARTTLS$' \
  'send STARTTLS' 'reply 220 ^220 2.0.0 Ready to start TLS$' \
  tls 'send XECHO reply after the byte' 'reply 250 ^250 reply after the byte$' \
  'send QUIT' 'reply 221' 'eof' >"$T/py3.log" 2>&1 \
  || fail "python session (220 after the control byte) failed: $(tail -n 3 "$T/py3.log")"
wait_lines "$T/status" 3
assert_eq "exit 0" "$(sed -n 3p "$T/status")" "TLS child status, 220 after the byte"
pass
