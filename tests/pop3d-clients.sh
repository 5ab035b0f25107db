#!/bin/bash
# pop3d-clients: starttls-pop3d in front of mailutils' pop3d, with the
# clients people use: Python's poplib (stls(), then USER/PASS, LIST and
# RETR inside TLS), curl with pop3:// and --ssl-reqd (the message
# listed, then fetched), and openssl s_client -starttls pop3.  The
# message's line that starts with a dot comes back whole.
. "$(dirname "$0")/lib.sh"
certs
start_pop3d srv

cat >"$T/popclient.py" <<'EOP'
import poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
caps = p.capa()
assert "STLS" in caps, caps
assert "USER" not in caps, caps          # no cleartext login before TLS
p.stls(context=ctx)  # stls() checks the name: the certificate is for localhost
caps = p.capa()
assert "STLS" not in caps and "USER" in caps, caps
print("tls", p.sock.version())
p.user("alice@example.org")
p.pass_("secret")
print("stat", p.stat())
resp, lines, _ = p.retr(1)
for l in lines:
    print("L", l.decode())
p.quit()
EOP
# poplib's stls() checks the certificate against the host it connected to
sed -i 's/"127.0.0.1", int/"localhost", int/' "$T/popclient.py"
with_timeout 40 "$PY" "$T/popclient.py" "$PORT" "$CA" >"$T/py.out" 2>&1 || fail "poplib session failed: $(tail -n 5 "$T/py.out")"
assert_file_contains "$T/py.out" "tls TLSv1"
assert_file_contains "$T/py.out" "stat (1, "
assert_file_contains "$T/py.out" "L Subject: hello"
grep -qx "L \.a line with a leading dot" "$T/py.out" || fail "the dot line did not come back whole"

# curl: the list, then message 1, over TLS that it requires
with_timeout 40 curl -sS --ssl-reqd --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" \
  -u 'alice@example.org:secret' "pop3://localhost:$PORT/" >"$T/list.out" 2>"$T/curl.err" \
  || fail "curl pop3 LIST failed: $(cat "$T/curl.err")"
grep -q '^1 [0-9]' "$T/list.out" || fail "curl's list has no message 1: $(cat "$T/list.out")"
with_timeout 40 curl -sS --ssl-reqd --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" \
  -u 'alice@example.org:secret' "pop3://localhost:$PORT/1" >"$T/msg.out" 2>"$T/curl.err" \
  || fail "curl pop3 RETR failed: $(cat "$T/curl.err")"
assert_file_contains "$T/msg.out" "Subject: hello"
assert_file_contains "$T/msg.out" "body line one"

# openssl s_client -starttls pop3: it sends STLS, reads +OK, then TLS
printf 'USER alice@example.org\nPASS secret\nSTAT\nQUIT\n' >"$T/s.in"
with_timeout 40 openssl s_client -starttls pop3 -connect "127.0.0.1:$PORT" -CAfile "$CA" \
  -verify_return_error -crlf -ign_eof -quiet <"$T/s.in" >"$T/s.out" 2>"$T/s.err" \
  || :  # its status at the end of the session varies; what it read is the oracle
assert_file_contains "$T/s.out" "+OK 1 "
wait_lines "$T/srv.status" 3
pass
