#!/bin/bash
# client-third-party-tls: `ucspitlsc -i` against OpenSSL's own server,
# `openssl s_server`, TLS from the first byte.  With -www it fetches the
# status page, which names the suite that OpenSSL negotiated: the same as
# the SSL_CIPHER that prog got.  With -rev it checks the echo, line by line
# reversed, and that half-closing (-s, the default) still lets the answer
# through.  An RSA server certificate works as well as an EC one.
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA

# s_server NAME CERT KEY MODE -- start it on a free port, set $port
s_server() {
  port=$(free_port)
  start_bg "$1" openssl s_server -accept "127.0.0.1:$port" -cert "$2" -key "$3" "$4"
  wait_port "$port"
}

# 1. -www, EC certificate: GET / over TLS
s_server www "$SRV_CERT" "$SRV_KEY" -www
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -k localhost \
  sh -c 'printf "%s\n" "$SSL_PROTOCOL $SSL_CIPHER" >"$1.facts"
         printf "GET / HTTP/1.0\r\n\r\n" >&7
         exec 7>&-
         exec cat <&6' client "$T/page1" >"$T/page1" 2>"$T/c1.err" \
  || fail "fetching s_server's page failed"
read -r proto cipher <"$T/page1.facts"
assert_eq TLSv1.2 "$proto" "SSL_PROTOCOL"
assert_eq "HTTP/1.0 200 ok" "$(head -n 1 "$T/page1" | tr -d '\r')" "status line"
assert_file_contains "$T/page1" "New, TLSv1.2, Cipher is $cipher" "s_server's page"
assert_file_contains "$T/page1" "</BODY></HTML>" "s_server's page"
case $cipher in ECDHE-ECDSA-*-GCM-SHA*|ECDHE-ECDSA-CHACHA20-POLY1305) ;; *) fail "suite: $cipher" ;; esac

# 2. -www, RSA certificate, asked for by its other name
s_server wwwrsa "$RSA_CERT" "$RSA_KEY" -www
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -k test.example.org \
  sh -c 'printf "%s\n" "$SSL_CIPHER $SSL_PEER_CERT_HASH" >"$1.facts"
         printf "GET / HTTP/1.0\r\n\r\n" >&7
         exec 7>&-
         exec cat <&6' client "$T/page2" >"$T/page2" 2>"$T/c2.err" \
  || fail "fetching s_server's page (RSA) failed"
read -r cipher hash <"$T/page2.facts"
assert_eq "SHA256:$(cert_sha256 "$RSA_CERT")" "$hash" "SSL_PEER_CERT_HASH (RSA)"
assert_file_contains "$T/page2" "New, TLSv1.2, Cipher is $cipher" "s_server's page (RSA)"
case $cipher in ECDHE-RSA-*) ;; *) fail "suite with an RSA certificate: $cipher" ;; esac

# 3. -rev: each line comes back reversed, after our half-close
s_server rev "$SRV_CERT" "$SRV_KEY" -rev
printf 'hello world\nucspitlsc over TLS\n%s\n' "$(head -c 2000 /dev/zero | tr '\0' 'a')b" >"$T/lines"
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -k localhost \
  sh -c 'cat "$1" >&7; exec 7>&-; exec cat <&6' client "$T/lines" >"$T/echo" 2>"$T/c3.err" \
  || fail "echo through s_server -rev failed"
assert_eq "$(rev <"$T/lines")" "$(cat "$T/echo")" "s_server -rev echo"
pass
