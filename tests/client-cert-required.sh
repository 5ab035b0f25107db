#!/bin/bash
# client-cert-required: with -y the client must present a certificate that
# chains to the anchors.  Without one, or with an untrusted one, the
# handshake fails (TLS child exit 98, prog's encrypted dialogue never
# starts); with a CA-signed one the session works and carries
# SSL_PEER_CERT_HASH.  The anchors may come from CAFILE (a PEM bundle) or
# from CADIR (a directory of one certificate per file).
# shellcheck disable=SC2154  # sc_rc, st: set by starttls (lib.sh)
. "$(dirname "$0")/lib.sh"
certs

hash=SHA256:$(cert_sha256 "$CLIENT_CERT")
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log

# the sessions: starttls (lib.sh)
sessions=0

ok() {
  [ "$sc_rc" = 0 ] || fail "session $sessions ($1) failed: $(tail -n 5 "$T/sc$sessions.log")"
  assert_eq "exit 0" "$st" "TLS child status, session $sessions ($1)"
  grep -qaF "SSL_PEER_CERT_HASH=$hash" "$T/block" \
    || fail "session $sessions ($1): no SSL_PEER_CERT_HASH=$hash in [$(od -An -c "$T/block")]"
}

refused() {
  [ "$sc_rc" != 0 ] || fail "session $sessions ($1) succeeded"
  grep -q '^250 authenticated' "$T/sc$sessions.log" && fail "session $sessions ($1): the client got an answer over TLS"
  assert_eq "exit 98" "$st" "TLS child status, session $sessions ($1)"
  [ -f "$T/block" ] && [ ! -s "$T/block" ] || fail "session $sessions ($1): control channel gave bytes"
}

# 1. CAFILE
CAFILE=$CA start_tcpserver file ucspitlsd -y "$PY" "$APPS/smtpish.py" Y
starttls authenticated
refused "no client certificate, CAFILE"
starttls authenticated -cert "$CLIENT_CERT" -key "$CLIENT_KEY"
ok "client certificate, CAFILE"
starttls authenticated -cert "$SELF_CERT" -key "$SELF_KEY"
refused "self-signed client certificate, CAFILE"
grep -q '^ucspitlsd: fatal: .*BR_ERR' "$T/file.err" || fail "no fatal message naming BearSSL's error"
stop file

# 2. CADIR
CADIR=$CA_DIR start_tcpserver dir ucspitlsd -y "$PY" "$APPS/smtpish.py" Y
starttls authenticated
refused "no client certificate, CADIR"
starttls authenticated -cert "$CLIENT_CERT" -key "$CLIENT_KEY"
ok "client certificate, CADIR"
starttls authenticated -cert "$SELF_CERT" -key "$SELF_KEY"
refused "self-signed client certificate, CADIR"
stop dir

# 3. immediate mode: without a certificate ucspitlsd exits 98, prog never runs
CAFILE=$CA start_tcpserver imm "$APPS/record-exit" "$T/imm.status" \
  ucspitlsd -i -y "$PY" "$APPS/dumpenv.py" "$T/env"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost tls readall \
  >"$T/py1.log" 2>&1 && fail "immediate session without a client certificate succeeded"
wait_lines "$T/imm.status" 1
assert_eq "exit 98" "$(sed -n 1p "$T/imm.status")" "ucspitlsd -i -y status without a certificate"
[ ! -e "$T/env" ] || fail "prog ran without a client certificate"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  --cert "$CLIENT_CERT" --key "$CLIENT_KEY" tls readall >"$T/py2.log" 2>&1 \
  || fail "immediate session with a client certificate failed: $(tail -n 3 "$T/py2.log")"
wait_file "$T/env"
grep -qx "env SSL_PEER_CERT_HASH=$hash" "$T/env" || fail "SSL_PEER_CERT_HASH is not $hash"
wait_lines "$T/imm.status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/imm.status")" "ucspitlsd -i -y status with a certificate"
pass
