#!/bin/bash
# client-readme-examples: README's client examples, run as they are
# written, on loopback.  Only the outside world is swapped for local
# servers: the host and port given to tcpclient become 127.0.0.1 and a
# local port, the names the test certificates', and CAFILE the test CA.
#   client-fetch     the HTTPS one-liner, against `openssl s_server -www`
#   client-starttls  the outbound STARTTLS line, against ucspitlsd and
#                    smtpish, with prog a UCSPI-TLS mail client
#                    (apps/client-smtp)
. "$(dirname "$0")/lib.sh"
certs

# example NAME -- the example's text, as tests are told to extract it
example() {
  sed -n "/^=== begin example $1 ===\$/,/^=== end example $1 ===\$/{/^=== /d;p;}" "$TOP/README"
}

# swap VAR FROM TO -- replace every FROM in $VAR; FROM must be there
swap() {
  local v=${!1}
  case $v in *"$2"*) ;; *) fail "README example lacks [$2]: [$v]" ;; esac
  printf -v "$1" '%s' "${v//"$2"/"$3"}"
}

bundle=/etc/ssl/certs/ca-certificates.crt

# 1. client-fetch: a page over immediate TLS
cmd=$(example client-fetch)
[ -n "$cmd" ] || fail "README has no example client-fetch"
port=$(free_port)
start_bg www openssl s_server -accept "127.0.0.1:$port" -cert "$SRV_CERT" -key "$SRV_KEY" -www
wait_port "$port"
swap cmd "CAFILE=$bundle" "CAFILE=$CA"
swap cmd "tcpclient -RHl0 example.org 443" "tcpclient -RHl0 127.0.0.1 $port"
swap cmd "example.org" "test.example.org"
say "running: $cmd"
with_timeout 30 bash -c "$cmd" >"$T/page" 2>"$T/fetch.err" || fail "the client-fetch example failed: $cmd"
assert_eq "HTTP/1.0 200 ok" "$(head -n 1 "$T/page" | tr -d '\r')" "the page's status line"
assert_file_contains "$T/page" "New, TLSv1.2, Cipher is ECDHE-ECDSA-"
assert_file_contains "$T/page" "</BODY></HTML>"

# 2. client-starttls: a certificate for mx.example.org, made here and
# signed by the test CA, on a UCSPI-TLS SMTP server
cmd=$(example client-starttls)
[ -n "$cmd" ] || fail "README has no example client-starttls"
(
  cd "$T" &&
  openssl ecparam -name prime256v1 -genkey -noout -out mx.key &&
  openssl req -new -key mx.key -subj /CN=mx.example.org -out mx.csr &&
  printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mx.example.org\n' >mx.ext &&
  openssl x509 -req -in mx.csr -CA "$CA" -CAkey "$CA_KEY" -set_serial 0x$(openssl rand -hex 8) \
    -days 30 -sha256 -extfile mx.ext -out mx.pem
) >"$T/mx.log" 2>&1 || fail "cannot make the mx.example.org certificate: $(tail -n 3 "$T/mx.log")"
CERTFILE=$T/mx.pem KEYFILE=$T/mx.key TEST_LOG=$T/app.log TEST_STATUS_FILE=$T/srv.status \
  start_tcpserver mx ucspitlsd "$PY" "$APPS/smtpish.py" y
swap cmd "CAFILE=$bundle" "CAFILE=$CA"
swap cmd "tcpclient -RHl0 mx.example.org 25" "tcpclient -RHl0 127.0.0.1 $PORT"
case $cmd in *" prog") ;; *) fail "the client-starttls example does not end with prog: [$cmd]" ;; esac
cmd="${cmd% prog} \"\$APPS/client-smtp\" y \"\$T/client.log\""
say "running: $cmd"
APPS=$APPS T=$T with_timeout 30 bash -c "$cmd" >"$T/starttls.out" 2>"$T/starttls.err" \
  || fail "the client-starttls example failed: $cmd"
assert_file_contains "$T/client.log" "tls"
assert_file_contains "$T/client.log" "S: 221 2.0.0 Bye"
assert_file_contains "$T/app.log" "cmd MAIL FROM:<client@client.example>"
wait_lines "$T/srv.status" 1
assert_eq "exit 0" "$(cat "$T/srv.status")" "the server's TLS child"
pass
