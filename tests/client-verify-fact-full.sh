#!/bin/bash
# client-verify-fact-full: with -n, SSL_SERVER_VERIFY is how prog learns
# that the server's certificate failed, so it must reach prog however long
# the certificate's other facts are.  A server (openssl s_server) whose
# untrusted certificate has the longest DNs, CN and email that the facts
# keep (its own issuer, 255-byte CN, 250-byte email) fills the 4096-byte
# block, and the facts that follow them are left out; SSL_SERVER_VERIFY
# (and SSL_SERVER_DANE), short and bounded, come right after the subject's
# facts and are never among them.  ucspitlsc -n -a imap: in immediate
# mode prog's environment, and in delayed mode the Y block, hold
# SSL_SERVER_VERIFY=FAILED:untrusted; the block stays within 4096 bytes.
. "$(dirname "$0")/lib.sh"
certs

# a self-signed certificate: "name" and "unstructuredName", which openssl
# req takes longer than a CN or an email, become them in the DER, which is
# signed again (tests/apps/resign-cert.py)
n255=$(printf 'n%.0s' $(seq 255))
m250=$(printf 'm%.0s' $(seq 238))@example.org
desc=$(printf 'd%.0s' $(seq 440))
email='\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09'
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/big.key" -utf8 -days 30 \
  -subj "/O=Pad/name=$n255/unstructuredName=$m250/OU=a,b,c,d,e,f,g,h,i,j,k,l,m,n/description=$desc" \
  -addext subjectAltName=DNS:localhost -out "$T/big0.pem" >"$T/gen.log" 2>&1 \
  && "$PY" "$APPS/resign-cert.py" "$T/big0.pem" "$T/big1.pem" "$T/big.key" '\x06\x03\x55\x04\x29' '\x06\x03\x55\x04\x03' \
    >>"$T/gen.log" 2>&1 \
  && "$PY" "$APPS/resign-cert.py" "$T/big1.pem" "$T/big.pem" "$T/big.key" "${email}\x02" "${email}\x01" >>"$T/gen.log" 2>&1 \
  || fail "cannot make the certificate: $(cat "$T/gen.log")"
export CAFILE=$CA   # the test CA, which did not issue it: untrusted

port=$(free_port)
start_bg ss openssl s_server -accept "127.0.0.1:$port" -cert "$T/big.pem" -key "$T/big.key" -alpn imap -rev
wait_port "$port"

# immediate mode: prog's environment
with_timeout 60 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -n -i -a imap -k localhost \
  sh -c 'env >"$1"' client "$T/env" 2>"$T/i.err" || fail "ucspitlsc -n -i failed: $(cat "$T/i.err")"
grep -a '^SSL_' "$T/env" | grep -av '^SSL_CERT_' >"$T/facts"
# the certificate's facts are there, long, and fill the block: a test of
# what it says
assert_file_contains "$T/facts" "SSL_SERVER_S_DN_CN=$n255"
[ "$(wc -c <"$T/facts")" -gt 3900 ] || fail "the facts are not near 4096 bytes: $(wc -c <"$T/facts")"
assert_eq "SSL_SERVER_VERIFY=FAILED:untrusted" "$(grep -a '^SSL_SERVER_VERIFY=' "$T/facts")" "prog's SSL_SERVER_VERIFY"
assert_eq "SSL_ALPN_PROTOCOL=imap" "$(grep -a '^SSL_ALPN_PROTOCOL=' "$T/facts")" "prog's SSL_ALPN_PROTOCOL"

# delayed mode: the Y block
with_timeout 60 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -n -a imap -k localhost \
  sh -c 'printf Y >&$SSLCTLFD; cat <&$SSLCTLFD >"$1"' client "$T/block" 2>"$T/y.err" \
  || fail "ucspitlsc -n failed: $(cat "$T/y.err")"
n=$(wc -c <"$T/block")
[ "$n" -gt 3900 ] && [ "$n" -le 4096 ] || fail "a block of $n bytes"
tr '\0' '\n' <"$T/block" | grep -qax 'SSL_SERVER_VERIFY=FAILED:untrusted' \
  || fail "no SSL_SERVER_VERIFY=FAILED:untrusted in the block: $(tr '\0' '\n' <"$T/block" | cut -c1-40 | tr '\n' '|')"
pass
