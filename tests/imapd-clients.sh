#!/bin/bash
# imapd-clients: starttls-imapd in front of mailutils' imap4d, with the
# clients people use: Python's imaplib (STARTTLS in the capability list
# and LOGINDISABLED before TLS; starttls(), then LOGIN, SELECT, FETCH of
# the message inside TLS), curl with imap:// and --ssl-reqd (the
# mailbox's message fetched; told to use PLAIN: of the mechanisms that
# imap4d offers, it would pick one that a crypt password cannot serve),
# openssl s_client -starttls imap.
. "$(dirname "$0")/lib.sh"
certs
start_imapd srv

cat >"$T/imapclient.py" <<'EOP'
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = imaplib.IMAP4("localhost", int(sys.argv[1]), timeout=20)
caps = m.capabilities
print("caps-before", " ".join(caps))
assert "STARTTLS" in caps and "LOGINDISABLED" in caps, caps
assert not any(c.startswith("AUTH=") for c in caps), caps
m.starttls(ssl_context=ctx)
caps = m.capabilities
print("caps-after", " ".join(caps))
assert "STARTTLS" not in caps and "LOGINDISABLED" not in caps, caps
m.login("alice@example.org", "secret")
typ, data = m.select("INBOX")
print("select", typ, data)
typ, data = m.fetch("1", "(BODY[])")
print("fetch", typ)
for l in data[0][1].decode().splitlines():
    print("L", l)
m.logout()
EOP
with_timeout 40 "$PY" "$T/imapclient.py" "$PORT" "$CA" >"$T/py.out" 2>&1 || fail "imaplib session failed: $(tail -n 5 "$T/py.out")"
assert_file_contains "$T/py.out" "select OK [b'1']"
assert_file_contains "$T/py.out" "L Subject: hello"
grep -qx "L \.a line with a leading dot" "$T/py.out" || fail "the dot line did not come back whole"

with_timeout 40 curl -sS --ssl-reqd --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" \
  --login-options 'AUTH=PLAIN' -u 'alice@example.org:secret' "imap://localhost:$PORT/INBOX;UID=1" >"$T/msg.out" 2>"$T/curl.err" \
  || fail "curl imap FETCH failed: $(cat "$T/curl.err")"
assert_file_contains "$T/msg.out" "Subject: hello"

printf 'a LOGIN alice@example.org secret\nb SELECT INBOX\nc LOGOUT\n' >"$T/s.in"
with_timeout 40 openssl s_client -starttls imap -connect "127.0.0.1:$PORT" -CAfile "$CA" \
  -verify_return_error -crlf -ign_eof -quiet <"$T/s.in" >"$T/s.out" 2>"$T/s.err" || :
assert_file_contains "$T/s.out" "b OK"
pass
