#!/bin/bash
# alpn-resume: strict ALPN holds on a resumed session too (ALPN is per
# connection, RFC 7301; a session says nothing of it).  ucspitlsd -a imap
# with TLS_SESSION_CACHE: openssl s_client resumes with -alpn imap
# (SSL_ALPN_PROTOCOL=imap, resumed=yes), resumes with no ALPN (no
# SSL_ALPN_PROTOCOL), and is refused no_application_protocol when it
# offers the same session with -alpn smtp.  ucspitlsc -a imap with
# TLS_SESSION_FILE against openssl s_server -alpn imap: resumed, and
# SSL_ALPN_PROTOCOL=imap again.
. "$(dirname "$0")/lib.sh"
certs

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TLS_SESSION_CACHE=$T/store start_tcpserver srv \
  ucspitlsd -i -v2 -a pop3,imap sh -c 'echo "alpn=${SSL_ALPN_PROTOCOL-unset}"'
sc() {
  local name=$1; shift
  with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -servername localhost \
    -ign_eof "$@" </dev/null >"$T/$name.out" 2>&1 || :   # its status varies; its output is the oracle
}
sc new -alpn imap -sess_out "$T/sess.pem"
assert_file_contains "$T/new.out" "New, TLSv1.2"
assert_file_contains "$T/new.out" "alpn=imap"
sc again -alpn imap -sess_in "$T/sess.pem"
assert_file_contains "$T/again.out" "Reused, TLSv1.2"
assert_file_contains "$T/again.out" "alpn=imap"
sc none -sess_in "$T/sess.pem"
assert_file_contains "$T/none.out" "Reused, TLSv1.2"
assert_file_contains "$T/none.out" "alpn=unset"
wait_lines "$T/srv.err" 3 30
assert_eq 2 "$(grep -c ' resumed=yes .* end=ok$' "$T/srv.err")" "-v2 lines of resumed sessions"
sc other -alpn smtp -sess_in "$T/sess.pem"
assert_file_contains "$T/other.out" "no application protocol"
assert_file_not_contains "$T/other.out" "alpn="
wait_lines "$T/srv.err" 4 30
assert_eq 1 "$(grep -c 'fatal: .*no_application_protocol\|fatal: .*ALPN' "$T/srv.err")" \
  "ucspitlsd's fatal line: $(tail -n 1 "$T/srv.err")"

# ucspitlsc: a session file, resumed
export CAFILE=$CA TLS_SESSION_FILE=$T/csess
port=$(free_port)
start_bg ss openssl s_server -accept "127.0.0.1:$port" -cert "$SRV_CERT" -key "$SRV_KEY" -alpn imap -tls1_2 -www
wait_port "$port"
# s_server -www answers a request and ends with close_notify (a session
# that ends without one is not resumed)
for i in 1 2; do
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -v2 -a pop3,imap -k localhost \
    sh -c 'echo "alpn=${SSL_ALPN_PROTOCOL-unset}" >"$1"; printf "GET / HTTP/1.0\r\n\r\n" >&7; exec 7>&-; timeout 20 cat <&6 >/dev/null' \
    client "$T/c$i.out" 2>"$T/c$i.err" || fail "ucspitlsc session $i failed: $(cat "$T/c$i.err")"
  assert_eq "alpn=imap" "$(cat "$T/c$i.out")" "session $i: the client's SSL_ALPN_PROTOCOL"
done
assert_file_contains "$T/c1.err" " resumed=no "
assert_file_contains "$T/c2.err" " resumed=yes "
pass
