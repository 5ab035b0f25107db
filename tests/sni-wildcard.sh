#!/bin/bash
# sni-wildcard: CERTFILE:*.example.net / KEYFILE:*.example.net stands for
# exactly one label: a.example.net gets that pair, a.b.example.net and
# example.net get the default; an exact name beats the wildcard.  With
# -k 2 only named pairs are used: a name that matches none fails the
# handshake (TLS child exit 98, the client sees a failure).  With -k 0 the
# named pairs are ignored.
. "$(dirname "$0")/lib.sh"
certs

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
wild_fp=$(fp "$WILD_CERT")
default_fp=$(fp "$SRV_CERT")
mail_fp=$(fp "$MAIL_CERT")

export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log
# a variable name with a colon cannot be exported from bash: env sets it
wild=("CERTFILE:*.example.net=$WILD_CERT" "KEYFILE:*.example.net=$WILD_KEY")
# an exact name under the wildcard, served with another certificate so
# that the client can tell which pair was chosen
exact=("CERTFILE:special.example.net=$MAIL_CERT" "KEYFILE:special.example.net=$MAIL_KEY")
dflt=("CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY")

sessions=0
# session S_CLIENT_ARGS... -- one STARTTLS session through openssl s_client
# (chain verified against the CA, the name is not checked here: the
# fingerprint says which pair was used); sets got_fp, and sc_rc to the
# client's exit status; waits for the TLS child's status and sets st.
session() {
  sessions=$((sessions + 1))
  rm -f "$T/block"
  with_timeout 30 openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" \
    -CAfile "$CA" -verify_return_error "$@" </dev/null >"$T/sc$sessions.log" 2>&1
  sc_rc=$?
  got_fp=$(fp "$T/sc$sessions.log" 2>/dev/null)
  wait_lines "$T/status" "$sessions"
  st=$(sed -n "${sessions}p" "$T/status")
}

# ok_session EXPECTED_FP S_CLIENT_ARGS...
ok_session() {
  local want=$1; shift
  session "$@"
  [ "$sc_rc" = 0 ] && grep -q '^Verification: OK' "$T/sc$sessions.log" \
    || fail "session $sessions ($*): s_client failed: $(tail -n 5 "$T/sc$sessions.log")"
  assert_eq "exit 0" "$st" "TLS child status, session $sessions ($*)"
  assert_eq "$want" "$got_fp" "certificate for session $sessions ($*)"
}

# failed_session S_CLIENT_ARGS... -- the handshake must fail on both sides
failed_session() {
  session "$@"
  [ "$sc_rc" != 0 ] || fail "session $sessions ($*): s_client succeeded"
  [ -z "$got_fp" ] || fail "session $sessions ($*): the server sent a certificate"
  grep -q 'SSL alert number' "$T/sc$sessions.log" || fail "session $sessions ($*): the client got no TLS alert"
  assert_eq "exit 98" "$st" "TLS child status, session $sessions ($*)"
}

sni_in_block() {
  grep -qaF "SSL_TLS_SNI_SERVERNAME=$1" "$T/block" || fail "Y block lacks SSL_TLS_SNI_SERVERNAME=$1: [$(od -An -c "$T/block")]"
}

# 1. -k 1 (the default): wildcard, exact, default
start_tcpserver k1 env "${dflt[@]}" "${wild[@]}" "${exact[@]}" ucspitlsd "$PY" "$APPS/smtpish.py" Y
ok_session "$wild_fp" -servername a.example.net -verify_hostname a.example.net
sni_in_block a.example.net
ok_session "$wild_fp" -servername Other-Host.EXAMPLE.net
ok_session "$mail_fp" -servername special.example.net
ok_session "$default_fp" -servername a.b.example.net
sni_in_block a.b.example.net
ok_session "$default_fp" -servername example.net
ok_session "$default_fp" -servername a.example.network
ok_session "$default_fp" -servername a.xexample.net
ok_session "$default_fp" -noservername
stop k1

# 2. -k 2: named pairs only, even with a default pair in the environment
start_tcpserver k2 env "${dflt[@]}" "${wild[@]}" ucspitlsd -k 2 -v2 "$PY" "$APPS/smtpish.py" Y
ok_session "$wild_fp" -servername b.example.net -verify_hostname b.example.net
failed_session -servername localhost
failed_session -servername a.b.example.net
failed_session -noservername
grep -q '^ucspitlsd: fatal: ' "$T/k2.err" || fail "-k 2: no fatal message for the refused names"
# the -v2 line of a refused handshake names what the client asked for
assert_file_contains "$T/k2.err" "sni=a.b.example.net " "-v2 line of the refused a.b.example.net"
grep -q 'sni=a\.b\.example\.net .* end=error' "$T/k2.err" || fail "-v2 line: [$(cat "$T/k2.err")]"
stop k2

# 3. -k 2 with no default pair at all
start_tcpserver k2b env "${wild[@]}" ucspitlsd -k 2 "$PY" "$APPS/smtpish.py" Y
ok_session "$wild_fp" -servername c.example.net
failed_session -servername example.net
stop k2b

# 4. -k 0: the named pairs are ignored
start_tcpserver k0 env "${dflt[@]}" "${wild[@]}" "${exact[@]}" ucspitlsd -k 0 "$PY" "$APPS/smtpish.py" Y
ok_session "$default_fp" -servername a.example.net
sni_in_block a.example.net
ok_session "$default_fp" -servername special.example.net
ok_session "$default_fp" -servername localhost -verify_hostname localhost
stop k0
pass
