#!/bin/bash
# session-resume: with TLS_SESSION_CACHE, ucspitlsd resumes a TLS 1.2
# session that a client offers again, in both modes, delayed and
# immediate: openssl s_client (-sess_out/-sess_in, -reconnect), Python's
# ssl (session=) and gnutls-cli --resume are "Reused" the second time.
# The facts of a resumed session are the first connection's (protocol,
# cipher, SNI, session id); the -v2 line says resumed=yes and the id; the
# store's variables do not reach prog. A resumed handshake forks no key
# process and reads no key (strace); with TLS_UID, the key process must be
# forked before the TLS child drops its ids, but it reads no key.
. "$(dirname "$0")/lib.sh"
certs

cp "$SRV_KEY" "$T/srv.key"
export CERTFILE=$SRV_CERT KEYFILE=$T/srv.key TLS_SESSION_CACHE=$T/store
export TEST_STATUS_FILE=$T/status TEST_LOG=$T/app.log

# 1. immediate mode, Python: new, then reused twice, with the same facts
start_tcpserver imm ucspitlsd -i -v2 "$APPS/facts-say"
with_timeout 60 "$PY" "$APPS/resume-client.py" -p "$PORT" --ca "$CA" --sni localhost -n 3 --expect nrr \
  >"$T/py.log" 2>&1 || fail "python: $(cat "$T/py.log")"
[ -f "$T/store" ] || fail "no store made"
assert_eq "-rw-------" "$(stat -c %A "$T/store")" "the store's mode"
awk '/^conn /{n=$2; next} {print > ("'"$T"'/facts." n)}' "$T/py.log"
grep -q '^S: SSL_SESSION_ID=[0-9a-f]\{64\}$' "$T/facts.0" || fail "no session id: $(cat "$T/facts.0")"
assert_file_contains "$T/facts.0" "S: SSL_TLS_SNI_SERVERNAME=localhost"
for i in 1 2; do
  cmp -s "$T/facts.0" "$T/facts.$i" || fail "facts of resumed connection $i differ: $(diff "$T/facts.0" "$T/facts.$i")"
done
for v in TLS_SESSION_CACHE TLS_SESSION_LIFETIME TLS_SESSION_FILE; do
  assert_file_contains "$T/facts.0" "S: $v=unset"
done
id=$(sed -n 's/^S: SSL_SESSION_ID=//p' "$T/facts.0")
wait_for 10 _nlines "$T/imm.err" 3 || fail "no -v2 lines: $(cat "$T/imm.err")"
assert_eq 1 "$(grep -c " session=$id resumed=no .* end=ok$" "$T/imm.err")" "-v2 lines of the full handshake"
assert_eq 2 "$(grep -c " session=$id resumed=yes .* end=ok$" "$T/imm.err")" "-v2 lines of the resumed ones"

# 2. openssl s_client -sess_out, then -sess_in; and -reconnect
sc() { echo | with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -servername localhost \
  -verify_return_error "$@" 2>&1; }
sc -sess_out "$T/sess.pem" >"$T/sc1.log"
assert_file_contains "$T/sc1.log" "New, TLSv1.2"
sc -sess_in "$T/sess.pem" >"$T/sc2.log"
assert_file_contains "$T/sc2.log" "Reused, TLSv1.2"
sc -reconnect >"$T/sc3.log"
assert_eq 1 "$(grep -c '^New, TLSv1.2' "$T/sc3.log")" "s_client -reconnect: new sessions"
assert_eq 5 "$(grep -c '^Reused, TLSv1.2' "$T/sc3.log")" "s_client -reconnect: reused sessions"

# 3. gnutls-cli --resume
with_timeout 30 gnutls-cli --resume --x509cafile "$CA" --port "$PORT" 127.0.0.1 --sni-hostname localhost \
  --verify-hostname localhost </dev/null >"$T/gnutls.log" 2>&1
assert_file_contains "$T/gnutls.log" "*** This is a resumed session"

# 4. a resumed handshake forks no key process and reads no key: under
# strace, the wrapper's check opens the key file (for every connection,
# before the TLS child exists), the key process of a full handshake opens
# it again; a resumed connection forks the TLS child only
cat >"$T/traced" <<TEOF
#!/bin/sh
exec strace -f -qq -e trace=clone,clone3,fork,vfork,open,openat -o "$T/trace.\$TCPREMOTEPORT" ucspitlsd -i /bin/echo hello
TEOF
chmod +x "$T/traced"
start_tcpserver traced "$T/traced"
with_timeout 60 "$PY" "$APPS/resume-client.py" -p "$PORT" --ca "$CA" --sni localhost -n 2 --expect nr \
  >"$T/pyt.log" 2>&1 || fail "python under strace: $(cat "$T/pyt.log")"
traces() { ls "$T"/trace.* 2>/dev/null | wc -l; }
wait_for 10 [ "$(traces)" = 2 ] || fail "no traces"
# (a call that another traced process interrupts comes in two lines, the
# second "<... clone resumed> ...) = PID")
forks() { grep -cE ' (<\.\.\. )?(clone|clone3|fork|vfork)(\(| resumed>).*= [0-9]+$' "$1"; }
keyopens() { grep -cE "open(at)?\\(.*\"$T/srv\.key\"" "$1"; }  # open(2) or openat(2): a C library may make either call
# which trace is which connection's: the one with a key process is the
# full handshake's
got=$(for f in "$T"/trace.*; do echo "$(forks "$f") $(keyopens "$f")"; done | sort | tr '\n' /)
assert_eq "1 1/2 2/" "$got" "forks and opens of the key file, resumed/full"

# 5. delayed mode: STARTTLS, Python and s_client -starttls smtp
start_tcpserver dly ucspitlsd -v2 "$PY" "$APPS/smtpish.py" y
with_timeout 60 "$PY" "$APPS/resume-client.py" -p "$PORT" --ca "$CA" --sni localhost --starttls -n 3 --expect nrr \
  >"$T/pyd.log" 2>&1 || fail "python, delayed: $(cat "$T/pyd.log")"
sc -starttls smtp -sess_out "$T/sess3.pem" >"$T/sc7.log"
assert_file_contains "$T/sc7.log" "New, TLSv1.2"
sc -starttls smtp -sess_in "$T/sess3.pem" >"$T/sc8.log"
assert_file_contains "$T/sc8.log" "Reused, TLSv1.2" "s_client -starttls smtp -sess_in"
wait_for 10 _nlines "$T/dly.err" 5 || fail "no -v2 lines: $(cat "$T/dly.err")"
assert_eq 3 "$(grep -c ' resumed=yes .* end=ok$' "$T/dly.err")" "delayed mode: -v2 lines of resumed sessions"

# 6. as root with TLS_UID/TLS_GID: the store is made by that uid, in a
# directory that it may write, and checked by -C under those ids; the
# key process is forked before the drop, and a resumed handshake still
# reads no key
if [ "$(id -u)" = 0 ]; then
  chmod 711 "$T" && mkdir "$T/run" && chown 65534 "$T/run" || fail "cannot make the store's directory"
  export TLS_UID=65534 TLS_GID=65534 TLS_SESSION_CACHE=$T/run/store
  ucspitlsd -C >"$T/check.out" 2>&1 || fail "-C with TLS_UID: $(cat "$T/check.out")"
  assert_eq "65534 -rw-------" "$(stat -c '%u %A' "$T/run/store")" "the store made by -C"
  rm -f "$T"/trace.*
  start_tcpserver drop "$T/traced"
  with_timeout 60 "$PY" "$APPS/resume-client.py" -p "$PORT" --ca "$CA" --sni localhost -n 2 --expect nr \
    >"$T/pyu.log" 2>&1 || fail "python, TLS_UID: $(cat "$T/pyu.log")"
  wait_for 10 [ "$(traces)" = 2 ] || fail "no traces"
  got=$(for f in "$T"/trace.*; do echo "$(forks "$f") $(keyopens "$f")"; done | sort | tr '\n' /)
  assert_eq "2 1/2 2/" "$got" "TLS_UID: forks and opens of the key file, resumed/full"
  unset TLS_UID TLS_GID
fi
pass
