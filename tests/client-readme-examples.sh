#!/bin/bash
# client-readme-examples: README's client examples, run as they are
# written, on loopback.  Only the outside world is swapped for local
# servers: the host and port given to tcpclient become 127.0.0.1 and a
# local port, the names the test certificates', and CAFILE the test CA.
#   client-fetch     the HTTPS one-liner, against `openssl s_server -www`
#   client-starttls  the outbound STARTTLS line, against ucspitlsd and
#                    smtpish, with src/demo/smtp-client
#   client-dane      the same with TLSA (the record of a self-signed
#                    certificate, in place of the README's)
#   client-opportunistic  -n, the self-signed certificate: NONE
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
# signed by the test CA, on a UCSPI-TLS SMTP server; the example runs
# src/demo/smtp-client from the top of the tree, with ./message
cmd=$(example client-starttls)
[ -n "$cmd" ] || fail "README has no example client-starttls"
(
  cd "$T" &&
  openssl ecparam -name prime256v1 -genkey -noout -out mx.key &&
  openssl req -new -key mx.key -subj /CN=mx.example.org -out mx.csr &&
  printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mx.example.org\n' >mx.ext &&
  openssl x509 -req -in mx.csr -CA "$CA" -CAkey "$CA_KEY" -set_serial 0x$(openssl rand -hex 8) \
    -days 30 -sha256 -extfile mx.ext -out mx.pem &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key \
    -subj /CN=self.example.net -days 30 -out self.pem
) >"$T/certs.log" 2>&1 || fail "cannot make the certificates: $(tail -n 3 "$T/certs.log")"
printf 'Subject: README\n\nhello\n' >"$T/message"

# mta NAME CERT KEY -- ucspitlsd and smtpish behind tcpserver; sets PORT
mta() {
  CERTFILE=$2 KEYFILE=$3 TEST_LOG=$T/$1.log TEST_STATUS_FILE=$T/$1.status \
    start_tcpserver "$1" ucspitlsd "$PY" "$APPS/smtpish.py" y
}

# run NAME SERVER -- the example in $cmd, from the top of the tree, to
# the server on $PORT; its output in $T/NAME.out
run() {
  swap cmd "tcpclient -RHl0 mx.example.org 25" "tcpclient -RHl0 127.0.0.1 $PORT"
  swap cmd "<message" "<$T/message"
  say "running: $cmd"
  (cd "$TOP" && with_timeout 30 bash -c "$cmd") >"$T/$1.out" 2>"$T/$1.err" \
    || fail "the $1 example failed: $cmd: $(cat "$T/$1.err")"
  assert_file_contains "$T/$1.out" "smtp-client: delivered: 250 "
  assert_file_contains "$T/$2.log" "cmd RCPT TO:<postmaster@example.org>"
  assert_file_contains "$T/$2.log" "tls"
  assert_file_contains "$T/$2.log" "data "
  wait_lines "$T/$2.status" 1
  assert_eq "exit 0" "$(cat "$T/$2.status")" "the server's TLS child ($1)"
}

mta mx "$T/mx.pem" "$T/mx.key"
swap cmd "CAFILE=$bundle" "CAFILE=$CA"
run client-starttls mx
assert_file_contains "$T/mx.log" "cmd MAIL FROM:<me@example.com>"
assert_file_contains "$T/client-starttls.out" "SSL_SERVER_VERIFY=SUCCESS"

# 3. client-dane: the record of a self-signed certificate for another
# name, in place of the README's
cmd=$(example client-dane)
[ -n "$cmd" ] || fail "README has no example client-dane"
mta dane "$T/self.pem" "$T/self.key"
spki=$(openssl x509 -in "$T/self.pem" -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
swap cmd "3 1 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "3 1 1 $spki"
run client-dane dane
assert_file_contains "$T/client-dane.out" "SSL_SERVER_VERIFY=SUCCESS"
assert_file_contains "$T/client-dane.out" "SSL_SERVER_DANE=3 1 1"

# 4. client-opportunistic: the same self-signed certificate, no anchors
cmd=$(example client-opportunistic)
[ -n "$cmd" ] || fail "README has no example client-opportunistic"
mta opp "$T/self.pem" "$T/self.key"
run client-opportunistic opp
assert_file_contains "$T/client-opportunistic.out" "SSL_SERVER_VERIFY=NONE"
pass
