#!/bin/bash
# rsa-key-sizes: RSA pairs of 2048, 3072 and 4096 bits pass the check
# mode of both programs (ucspitlsd -C; ucspitlsc -C -y for a client
# certificate), where the key is matched to its certificate by computing
# its modulus from its primes, and they serve: ucspitlsd -i with the
# pair (openssl s_client verifies it, an ECDHE-RSA suite), ucspitlsc -i -y
# sending it as its client certificate to ucspitlsd -i -y, which tells
# its application the client's subject.  A key of another pair still
# fails the check (96, "does not match").  (BearSSL 0.6's default code to
# compute a modulus finds none for a 4096-bit key.)
. "$(dirname "$0")/lib.sh"
certs

# rsa_pair BITS -- $T/rsaBITS.key (PKCS#8), $T/rsaBITS-srv.pem (server,
# localhost) and $T/rsaBITS-cli.pem (client, CN=clientBITS), both of the CA
rsa_pair() {
  local b=$1 eku
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$b" -out "$T/rsa$b.key" 2>>"$T/gen.log" \
    || fail "cannot make an RSA-$b key: $(tail -n 3 "$T/gen.log")"
  for eku in srv cli; do
    if [ $eku = srv ]; then
      printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n'
    else
      printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
    fi >"$T/rsa$b-$eku.ext"
    local subj=/CN=localhost
    [ $eku = cli ] && subj=/CN=client$b
    openssl req -new -key "$T/rsa$b.key" -subj "$subj" -out "$T/rsa$b-$eku.csr" 2>>"$T/gen.log" \
      && openssl x509 -req -in "$T/rsa$b-$eku.csr" -CA "$CA" -CAkey "$CA_KEY" -set_serial "0x$(openssl rand -hex 8)" \
           -days 30 -sha256 -extfile "$T/rsa$b-$eku.ext" -out "$T/rsa$b-$eku.pem" 2>>"$T/gen.log" \
      || fail "cannot make the RSA-$b certificate $eku: $(tail -n 3 "$T/gen.log")"
  done
}

# checkmode WANT PROG ARGS... -- with the environment given by env
checkmode() {
  local want=$1; shift
  with_timeout 30 env -u CERTFILE -u KEYFILE -u CAFILE -u CADIR "$@" >"$T/out" 2>"$T/err"
  assert_eq "$want" "$?" "exit status of: $* ($(cat "$T/err"))"
}

prev=$RSA_KEY  # a key of another pair, of the same size at first
for b in 2048 3072 4096; do
  rsa_pair $b
  key=$T/rsa$b.key srv=$T/rsa$b-srv.pem cli=$T/rsa$b-cli.pem

  # the check modes
  checkmode 0 "CERTFILE=$srv" "KEYFILE=$key" ucspitlsd -C
  assert_file_contains "$T/err" "ucspitlsd: info: CERTFILE $srv and its key $key: ok, valid until "
  checkmode 0 "CERTFILE=$cli" "KEYFILE=$key" "CAFILE=$CA" ucspitlsc -C -y
  assert_file_contains "$T/err" "ucspitlsc: info: CERTFILE $cli and its key $key: ok, valid until "
  checkmode 96 "CERTFILE=$srv" "KEYFILE=$prev" ucspitlsd -C
  assert_file_contains "$T/err" "ucspitlsd: fatal: the private key in $prev does not match the certificate in $srv"
  checkmode 96 "CERTFILE=$cli" "KEYFILE=$prev" "CAFILE=$CA" ucspitlsc -C -y
  assert_file_contains "$T/err" "ucspitlsc: fatal: the private key in $prev does not match the certificate in $cli"
  prev=$key

  # ucspitlsd serves the pair
  CERTFILE=$srv KEYFILE=$key TEST_STATUS_FILE=$T/srv$b.status start_tcpserver "srv$b" \
    ucspitlsd -i "$PY" "$APPS/smtpish.py"
  with_timeout 60 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
    -servername localhost -verify_hostname localhost </dev/null >"$T/srv$b.sc" 2>&1 \
    || fail "RSA-$b: s_client failed: $(grep -i error "$T/srv$b.sc" | head -n 3)"
  grep -q '^Verification: OK' "$T/srv$b.sc" || fail "RSA-$b: s_client did not verify the server"
  grep -q "^Server public key is $b bit" "$T/srv$b.sc" || fail "RSA-$b: s_client saw another key: $(grep 'public key' "$T/srv$b.sc")"
  grep -q '^New, TLSv1.2, Cipher is ECDHE-RSA-' "$T/srv$b.sc" || fail "RSA-$b: no ECDHE-RSA suite: $(grep '^New' "$T/srv$b.sc")"
  wait_lines "$T/srv$b.status" 1 30
  assert_eq "exit 0" "$(cat "$T/srv$b.status")" "RSA-$b: ucspitlsd's TLS child"
  stop "srv$b"

  # ucspitlsc sends it as its client certificate
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY CAFILE=$CA TEST_STATUS_FILE=$T/srvy$b.status start_tcpserver "srvy$b" \
    ucspitlsd -i -y "$PY" "$APPS/smtpish.py"
  CERTFILE=$cli KEYFILE=$key CAFILE=$CA with_timeout 60 tcpclient -RHl0 127.0.0.1 "$PORT" \
    ucspitlsc -i -y -k localhost bash -c '
      printf "XENV SSL_PEER_CERT_SUBJECT\r\nQUIT\r\n" >&7
      exec 7>&-
      exec timeout 30 cat <&6' >"$T/cli$b.out" 2>"$T/cli$b.err" \
    || fail "RSA-$b: ucspitlsc -y failed ($?): $(cat "$T/cli$b.err")"
  assert_file_contains "$T/cli$b.out" "250 SSL_PEER_CERT_SUBJECT=CN=client$b"
  wait_lines "$T/srvy$b.status" 1 30
  assert_eq "exit 0" "$(cat "$T/srvy$b.status")" "RSA-$b: ucspitlsd -i -y's TLS child"
  stop "srvy$b"
  say "RSA-$b: checked, served, sent as a client certificate"
done
pass
