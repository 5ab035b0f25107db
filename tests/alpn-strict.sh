#!/bin/bash
# alpn-strict: -a name[,name...] (RFC 7301, against the ALPACA
# cross-protocol attacks).  ucspitlsd -a serves a client whose ALPN offer
# names one of its protocols (SSL_ALPN_PROTOCOL is the one selected) and
# a client that makes no offer (no SSL_ALPN_PROTOCOL); a client whose
# offer names none of them gets the fatal alert no_application_protocol,
# and prog never runs.  ucspitlsc -a offers its names: against openssl
# s_server -alpn, the name both know is selected and is prog's
# SSL_ALPN_PROTOCOL; s_server with no name in common refuses it, which
# ucspitlsc says in one line (exit 98).  A bad -a list is a usage error.
. "$(dirname "$0")/lib.sh"
certs

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver srv "$APPS/record-exit" "$T/srv.status" \
  ucspitlsd -i -a pop3,imap sh -c 'echo "alpn=${SSL_ALPN_PROTOCOL-unset}"'

# sclient NAME ALPN-OPTIONS... -- one session; its output in $T/NAME.out
sclient() {
  local name=$1; shift
  with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -servername localhost \
    -ign_eof "$@" </dev/null >"$T/$name.out" 2>&1 || :   # its status varies; its output is the oracle
}

sclient match -alpn imap
assert_file_contains "$T/match.out" "ALPN protocol: imap"
assert_file_contains "$T/match.out" "alpn=imap"
sclient second -alpn http/1.1,pop3
assert_file_contains "$T/second.out" "alpn=pop3"
sclient none
assert_file_contains "$T/none.out" "No ALPN negotiated"
assert_file_contains "$T/none.out" "alpn=unset"
wait_lines "$T/srv.status" 3
sclient mismatch -alpn http/1.1,smtp
assert_file_contains "$T/mismatch.out" "no application protocol"
assert_file_not_contains "$T/mismatch.out" "alpn="
wait_lines "$T/srv.status" 4
assert_eq "exit 98" "$(sed -n 4p "$T/srv.status")" "ucspitlsd's status after the mismatch"

# ucspitlsc -a against openssl s_server -alpn
export CAFILE=$CA
port=$(free_port)
start_bg ss openssl s_server -accept "127.0.0.1:$port" -cert "$SRV_CERT" -key "$SRV_KEY" -alpn smtp,pop3 -rev
wait_port "$port"
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -a imap,pop3 -k localhost \
  sh -c 'echo "alpn=${SSL_ALPN_PROTOCOL-unset}" >"$1"; exec 7>&-; cat <&6 >/dev/null' client "$T/c.out" \
  2>"$T/c.err" || fail "ucspitlsc -a against s_server failed: $(cat "$T/c.err")"
assert_eq "alpn=pop3" "$(cat "$T/c.out")" "the client's SSL_ALPN_PROTOCOL"
# s_server with no name in common refuses the client (alert 120): one
# line that names it, exit 98, and prog never runs
stop ss
port=$(free_port)
start_bg ss2 openssl s_server -accept "127.0.0.1:$port" -cert "$SRV_CERT" -key "$SRV_KEY" -alpn smtp -rev
wait_port "$port"
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -a imap -k localhost \
  sh -c 'echo ran >"$1"' client "$T/c2.out" 2>"$T/c2.err"
assert_eq 98 "$?" "ucspitlsc's exit status when the server refuses the names"
assert_file_contains "$T/c2.err" "no_application_protocol"
[ -e "$T/c2.out" ] && fail "prog ran after a failed handshake"

# a bad list: an empty name, a name over 255 bytes
for bad in "" "pop3,,imap" "$(head -c 256 /dev/zero | tr '\0' a)"; do
  ucspitlsd -a "$bad" true </dev/null >/dev/null 2>"$T/bad.err"
  assert_eq 100 "$?" "ucspitlsd -a '${bad:0:20}' exit status"
  ucspitlsc -a "$bad" true </dev/null >/dev/null 2>"$T/bad.err"
  assert_eq 100 "$?" "ucspitlsc -a '${bad:0:20}' exit status"
done
pass
