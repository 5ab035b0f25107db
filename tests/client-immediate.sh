#!/bin/bash
# client-immediate: `ucspitlsc -i` against `ucspitlsd -i`.  The handshake
# comes first; prog then finds the decrypted stream on fds 6/7 (or on the
# fds named by -6/-7) and the session facts in its environment, where
# SSL_PEER_CERT_HASH and SSL_PEER_CERT_SUBJECT describe the server's
# certificate and SSL_TLS_SNI_SERVERNAME is the -k name.  The
# configuration variables are gone unless -Z; the UCSPI-TLS fds are not
# there at all.  -N sends no name.  A control byte in the server's subject
# comes out escaped.
. "$(dirname "$0")/lib.sh"
certs

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_LOG=$T/app.log TEST_STATUS_FILE=$T/srv.status \
  start_tcpserver srv ucspitlsd -i "$PY" "$APPS/smtpish.py"
export CAFILE=$CA
hash=SHA256:$(cert_sha256 "$SRV_CERT")

# 1. the environment and the fds prog gets; its TLS child ends with 0
TEST_STATUS_FILE=$T/c1.status with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" \
  ucspitlsc -i -k localhost "$PY" "$APPS/dumpenv.py" "$T/dump1" 2>"$T/c1.err" \
  || fail "ucspitlsc -i session 1 failed"
wait_file "$T/c1.status"
assert_eq "exit 0" "$(cat "$T/c1.status")" "client TLS child status"
env1=$(sed -n 's/^env //p' "$T/dump1")
for v in "SSL_PROTOCOL=TLSv1.2" "SSL_TLS_SNI_SERVERNAME=localhost" \
         "SSL_PEER_CERT_HASH=$hash" "SSL_PEER_CERT_SUBJECT=CN=localhost"; do
  grep -qxF "$v" <<<"$env1" || fail "prog's environment lacks $v: $(grep ^SSL_ <<<"$env1")"
done
grep -qxE 'SSL_CIPHER=ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)' <<<"$env1" \
  || fail "SSL_CIPHER: $(grep ^SSL_CIPHER <<<"$env1")"
for v in CAFILE SSLCTLFD SSLREADFD SSLWRITEFD; do
  if grep -q "^$v=" <<<"$env1"; then fail "$v is in prog's environment"; fi
done
fds=$(sed -n 's/^fd \([0-9]*\) [^ ]* \([a-z0-9]*\) \([a-z]*\)$/\1 \2 \3/p' "$T/dump1" | tr '\n' ',')
assert_eq "0 file rdonly,1 file wronly,2 file wronly,6 pipe rdonly,7 pipe wronly," "$fds" "prog's fds"

# 2. -Z keeps the configuration; the server saw our SNI
TEST_STATUS_FILE=$T/c2.status with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" \
  ucspitlsc -i -Z -k localhost "$PY" "$APPS/dumpenv.py" "$T/dump2" 2>"$T/c2.err" \
  || fail "ucspitlsc -i -Z session failed"
assert_file_contains "$T/dump2" "env CAFILE=$CA"

# 3. a dialogue on fds 6/7: what the server's prog sees
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -i -k localhost \
  bash -c 'IFS= read -r -t 20 l <&6 || exit 1
           printf "%s\n" "$l" >"$1"
           printf "XENV SSL_TLS_SNI_SERVERNAME\r\nXENV SSL_PEER_CERT_HASH\r\nXECHO clear to you\r\nQUIT\r\n" >&7
           exec 7>&-
           timeout 20 cat <&6 >>"$1"' client "$T/dialogue" 2>"$T/c3.err" \
  || fail "dialogue on fds 6/7 failed"
tr -d '\r' <"$T/dialogue" >"$T/dialogue.txt"
assert_eq "220 localhost ESMTP smtpish
250 SSL_TLS_SNI_SERVERNAME=localhost
250 SSL_PEER_CERT_HASH unset
250 clear to you
221 2.0.0 Bye" "$(cat "$T/dialogue.txt")" "the dialogue"

# 4. -6 and -7 move the network fds; the clear stream takes their place
TEST_STATUS_FILE=$T/c4.status with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" \
  bash -c 'exec 3<&6 4>&7 6<&- 7>&-; exec "$@"' moved \
  ucspitlsc -i -6 3 -7 4 -k test.example.org "$PY" "$APPS/dumpenv.py" "$T/dump4" 2>"$T/c4.err" \
  || fail "ucspitlsc -6 3 -7 4 failed"
fds=$(sed -n 's/^fd \([0-9]*\) [^ ]* \([a-z0-9]*\) \([a-z]*\)$/\1 \2 \3/p' "$T/dump4" | tr '\n' ',')
assert_eq "0 file rdonly,1 file wronly,2 file wronly,3 pipe rdonly,4 pipe wronly," "$fds" "prog's fds with -6 3 -7 4"
assert_file_contains "$T/dump4" "env SSL_TLS_SNI_SERVERNAME=test.example.org"
assert_file_contains "$T/dump4" "env SSL_PEER_CERT_HASH=$hash"

# 5. -N: any name is accepted (the chain is still checked); no name is sent
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -i -N \
  bash -c 'env >"$1.env"
           printf "XENV SSL_TLS_SNI_SERVERNAME\r\nQUIT\r\n" >&7
           exec 7>&-
           timeout 20 cat <&6 >"$1"' client "$T/any" 2>"$T/c5.err" \
  || fail "ucspitlsc -N failed"
assert_file_contains "$T/any" "250 SSL_TLS_SNI_SERVERNAME unset"
assert_file_contains "$T/any.env" "SSL_PEER_CERT_HASH=$hash"
assert_file_not_contains "$T/any.env" "SSL_TLS_SNI_SERVERNAME="

wait_lines "$T/srv.status" 5
assert_eq "exit 0" "$(sort -u "$T/srv.status")" "server TLS children"

# 6. the subject comes from the server: a newline or another control byte
# in it is escaped, so that it cannot inject a variable
(
  cd "$T" &&
  openssl ecparam -name prime256v1 -genkey -noout -out evil.key &&
  openssl req -new -key evil.key -subj "/CN=evil$(printf '\n\001')SSL_INJECTED=1" -out evil.csr &&
  printf 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n' >evil.ext &&
  openssl x509 -req -in evil.csr -CA "$CA" -CAkey "$CA_KEY" -set_serial 0x$(openssl rand -hex 8) \
    -days 30 -sha256 -extfile evil.ext -out evil.pem
) >"$T/evil.log" 2>&1 || fail "cannot make the hostile certificate: $(tail -n 3 "$T/evil.log")"
CERTFILE=$T/evil.pem KEYFILE=$T/evil.key start_tcpserver evil ucspitlsd -i cat
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -i -k localhost \
  "$PY" "$APPS/dumpenv.py" "$T/dump6" 2>"$T/c6.err" || fail "session with the hostile subject failed"
assert_file_contains "$T/dump6" 'env SSL_PEER_CERT_SUBJECT=CN=evil\\x0a\\x01SSL_INJECTED\\=1'
assert_file_not_contains "$T/dump6" "env SSL_INJECTED" "prog's environment"
pass
