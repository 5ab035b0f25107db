#!/bin/bash
# session-resume-refused: a session offered again is not resumed, but a
# full handshake follows, when it has outlived TLS_SESSION_LIFETIME, when
# it is offered under another server name (SNI) than the one it was made
# under, when the service runs without TLS_SESSION_CACHE, and when it had
# a client certificate (such sessions are not stored; with -y none is
# resumed). A bad TLS_SESSION_LIFETIME is a configuration error, 96.
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
rc() { with_timeout 60 "$PY" "$APPS/resume-client.py" -p "$PORT" --ca "$CA" "$@"; }

# 1. the lifetime: reused at once, not after it
start_tcpserver life env TLS_SESSION_CACHE="$T/store1" TLS_SESSION_LIFETIME=1 ucspitlsd -i -v2 "$APPS/facts-say"
rc --sni localhost -n 2 --expect n? >"$T/life0.log" 2>&1 || fail "lifetime: $(cat "$T/life0.log")"
rc --sni localhost -n 2 --delay 2.5 --expect nn >"$T/life.log" 2>&1 || fail "lifetime: $(cat "$T/life.log")"
start_tcpserver life2 env TLS_SESSION_CACHE="$T/store1" TLS_SESSION_LIFETIME=60 ucspitlsd -i -v2 "$APPS/facts-say"
rc --sni localhost -n 2 --delay 2.5 --expect nr >"$T/life2.log" 2>&1 || fail "lifetime 60: $(cat "$T/life2.log")"

# 2. another server name: a full handshake, under the new name; the
# session made under no name is not resumed under one either, and back
sni() { rc "$@" >"$T/sni.log" 2>&1 || fail "sni $*: $(cat "$T/sni.log")"; }
start_tcpserver sni env TLS_SESSION_CACHE="$T/store2" ucspitlsd -i -v2 "$APPS/facts-say"
sni --sni localhost --sni2 other.example -n 2 --first --expect nn
assert_file_contains "$T/sni.log" "S: SSL_TLS_SNI_SERVERNAME=other.example"
sni --sni localhost --sni2 LOCALHOST -n 2 --first --expect nn
sni -n 3 --sni2 localhost --first --expect nnn
sni --sni localhost -n 3 --sni2 localhost --expect nrr
# s_client, which offers what -sess_in gives whatever the name
sc() { echo | with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -ign_eof "$@" 2>&1; }
sc -servername localhost -sess_out "$T/s.pem" >"$T/sc1.log"
sc -servername other.example -sess_in "$T/s.pem" >"$T/sc2.log"
assert_file_contains "$T/sc2.log" "New, TLSv1.2" "s_client -sess_in under another name"
sc -noservername -sess_in "$T/s.pem" >"$T/sc3.log"
assert_file_contains "$T/sc3.log" "New, TLSv1.2" "s_client -sess_in with no name"
sc -servername localhost -sess_in "$T/s.pem" >"$T/sc4.log"
assert_file_contains "$T/sc4.log" "Reused, TLSv1.2" "s_client -sess_in under the same name"

# 3. no store: never resumed, and no file appears
start_tcpserver off ucspitlsd -i "$APPS/facts-say"
rc --sni localhost -n 3 --expect nnn >"$T/off.log" 2>&1 || fail "no store: $(cat "$T/off.log")"

# 4. client certificates: -Y with one, not stored; -Y without one, stored;
# -y, never resumed
start_tcpserver cY env TLS_SESSION_CACHE="$T/store3" CAFILE="$CA" ucspitlsd -i -Y "$APPS/facts-say"
sc -servername localhost -cert "$CLIENT_CERT" -key "$CLIENT_KEY" -sess_out "$T/c.pem" >"$T/c1.log"
assert_file_contains "$T/c1.log" "SSL_CLIENT_S_DN="
sc -servername localhost -cert "$CLIENT_CERT" -key "$CLIENT_KEY" -sess_in "$T/c.pem" >"$T/c2.log"
assert_file_contains "$T/c2.log" "New, TLSv1.2" "-Y: a session with a client certificate"
assert_file_contains "$T/c2.log" "SSL_CLIENT_S_DN=" "-Y: the certificate's facts, after a full handshake"
rc --sni localhost -n 2 --expect nr >"$T/cY.log" 2>&1 || fail "-Y, no certificate: $(cat "$T/cY.log")"
start_tcpserver cy env TLS_SESSION_CACHE="$T/store3" CAFILE="$CA" ucspitlsd -i -y "$APPS/facts-say"
sc -servername localhost -cert "$CLIENT_CERT" -key "$CLIENT_KEY" -sess_out "$T/c3.pem" >"$T/c3.log"
sc -servername localhost -cert "$CLIENT_CERT" -key "$CLIENT_KEY" -sess_in "$T/c3.pem" >"$T/c4.log"
assert_file_contains "$T/c4.log" "New, TLSv1.2" "-y: resumed"
assert_file_contains "$T/c4.log" "SSL_CLIENT_S_DN=" "-y: the certificate's facts"
# a session that -Y stored with no certificate is not resumed under -y
sc -servername localhost -sess_out "$T/c5.pem" -connect "127.0.0.1:$(sed -n 1p "$T/cY.out")" >"$T/c5.log"
assert_file_contains "$T/c5.log" "New, TLSv1.2"
sc -servername localhost -cert "$CLIENT_CERT" -key "$CLIENT_KEY" -sess_in "$T/c5.pem" >"$T/c6.log"
assert_file_contains "$T/c6.log" "New, TLSv1.2" "-y: a session stored without a certificate"

# 5. a bad lifetime: 96, one line
for bad in 0 86401 x 12x ""; do
  env TLS_SESSION_CACHE="$T/store4" TLS_SESSION_LIFETIME="$bad" ucspitlsd -i true </dev/null >/dev/null 2>"$T/bad.err"
  r=$?
  assert_eq 96 "$r" "exit code, TLS_SESSION_LIFETIME=[$bad]"
  assert_eq 1 "$(wc -l <"$T/bad.err")" "lines for TLS_SESSION_LIFETIME=[$bad]"
  assert_file_contains "$T/bad.err" "ucspitlsd: fatal: invalid TLS_SESSION_LIFETIME"
done
pass
