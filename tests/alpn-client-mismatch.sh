#!/bin/bash
# alpn-client-mismatch: ucspitlsc -a offers its names and fails the
# handshake when the server selects a protocol it did not offer (RFC
# 7301; the server of another protocol in an ALPACA attack), which no
# OpenSSL or Python server can do: tests/apps/alpn-server (miniserver,
# the RSA pair) selects what it is told.  ucspitlsc -a imap against a
# server that selects smtp: exit 98, one fatal line that names ALPN and
# the peer, prog never runs nor sees the server's application data (which
# it sends at once after its Finished), and the server gets an alert,
# never data.  Against a server that selects imap: the session works and
# prog's SSL_ALPN_PROTOCOL is imap.  In delayed mode the same mismatch
# leaves prog with no TLS data either.
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA

# serve NAME SELECTED -- an alpn-server selecting SELECTED; its port in $SPORT
serve() {
  start_bg "$1" "$PY" "$APPS/alpn-server.py" -s "$T/$1.port" -c "$RSA_CERT" -k "$RSA_KEY_PKCS1" "$2"
  wait_file "$T/$1.port"
  SPORT=$(cat "$T/$1.port")
}

# the server selects a name that the client did not offer
serve bad smtp
with_timeout 60 tcpclient -RHl0 127.0.0.1 "$SPORT" ucspitlsc -i -a imap -k localhost \
  sh -c 'echo ran >"$1"; cat <&6 >>"$1"' client "$T/bad.prog" 2>"$T/bad.err"
assert_eq 98 "$?" "ucspitlsc's exit status when the server selects smtp"
wait_lines "$T/bad.out" 2 30
assert_eq "offered imap" "$(sed -n 1p "$T/bad.out")" "the client's offer"
# illegal_parameter, as RFC 8446 4.2 has it for an extension that breaks its rules
assert_eq "handshake failed: the server sent alert level 2 description 47" "$(sed -n 2p "$T/bad.out")" \
  "how the server's handshake ended"
[ -e "$T/bad.prog" ] && fail "prog ran after the server selected smtp: $(cat -v "$T/bad.prog")"
assert_eq 1 "$(wc -l <"$T/bad.err")" "lines on stderr: $(cat -v "$T/bad.err")"
grep -qE '^ucspitlsc: fatal: TLS handshake failed: .*ALPN.* smtp\b' "$T/bad.err" \
  || fail "the fatal line does not name ALPN and the name selected: $(cat -v "$T/bad.err")"
assert_file_contains "$T/bad.err" "127.0.0.1:$SPORT"

# a name that is not printable is escaped, and the line stays one line
serve esc "$(printf 'a\tb')"
with_timeout 60 tcpclient -RHl0 127.0.0.1 "$SPORT" ucspitlsc -i -a imap,pop3 -k localhost \
  sh -c 'echo ran >"$1"' client "$T/esc.prog" 2>"$T/esc.err"
assert_eq 98 "$?" "ucspitlsc's exit status when the server selects a name with a tab"
[ -e "$T/esc.prog" ] && fail "prog ran after the server selected a name with a tab"
assert_eq 1 "$(wc -l <"$T/esc.err")" "lines on stderr: $(cat -v "$T/esc.err")"
assert_file_contains "$T/esc.err" 'ALPN: the server selected a\x09b,'

# delayed mode: prog asks for TLS with Y; the handshake fails, the control
# channel ends without the block's final NUL, and SSLREADFD gives prog
# nothing, not the server's "secret"
serve late smtp
with_timeout 60 tcpclient -RHl0 127.0.0.1 "$SPORT" ucspitlsc -a imap -k localhost \
  "$PY" "$APPS/client-waitchild.py" "$T/late.status" \
  sh -c 'printf Y >&$SSLCTLFD; cat <&$SSLCTLFD >"$1"; cat <&$SSLREADFD >"$2"' \
  client "$T/late.block" "$T/late.data" 2>"$T/late.err"
assert_eq "prog exit 0
tls exit 98" "$(cat "$T/late.status")" "the statuses in delayed mode"
assert_eq 0 "$(wc -c <"$T/late.data")" "bytes prog read from SSLREADFD"
[ -n "$(tr -d '\0' <"$T/late.block")" ] && [ "$(tail -c 2 "$T/late.block" | od -An -tx1 | tr -d ' ')" = 0000 ] \
  && fail "a whole facts block after a failed handshake"
assert_file_contains "$T/late.err" "ALPN: the server selected smtp,"
wait_lines "$T/late.out" 2 30
assert_file_not_contains "$T/late.out" "handshake ok"

# the server selects the name offered: the session works, and the name is
# prog's SSL_ALPN_PROTOCOL
serve good imap
with_timeout 60 tcpclient -RHl0 127.0.0.1 "$SPORT" ucspitlsc -i -a pop3,imap -k localhost \
  sh -c 'echo "alpn=${SSL_ALPN_PROTOCOL-unset}" >"$1"; head -n 1 <&6 >>"$1"; echo hello >&7' client "$T/good.prog" \
  2>"$T/good.err" || fail "ucspitlsc against a server that selects imap failed: $(cat "$T/good.err")"
assert_eq "alpn=imap
secret" "$(cat "$T/good.prog")" "what prog saw"
wait_lines "$T/good.out" 4 30
assert_eq "offered pop3,imap
handshake ok
got hello\\n
end close_notify" "$(cat "$T/good.out")" "what the server saw"
pass
