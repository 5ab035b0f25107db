#!/bin/bash
# sni-exact: CERTFILE/KEYFILE are the default pair, CERTFILE:mail.example.org
# / KEYFILE:mail.example.org a named one.  A client whose SNI is
# mail.example.org gets the named certificate (checked client-side by its
# fingerprint); a client asking for any other name, or for none, gets the
# default.  SSL_TLS_SNI_SERVERNAME (in the Y block, and in the environment
# in immediate mode) is the name the client asked for, and is left out when
# it asked for none.
. "$(dirname "$0")/lib.sh"
certs

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
mail_fp=$(fp "$MAIL_CERT")
default_fp=$(fp "$SRV_CERT")
[ "$mail_fp" != "$default_fp" ] || fail "test certificates are not distinct"

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log
# a variable name with a colon cannot be exported from bash: env sets it
named=("CERTFILE:mail.example.org=$MAIL_CERT" "KEYFILE:mail.example.org=$MAIL_KEY")
start_tcpserver srv env "${named[@]}" ucspitlsd -v2 "$PY" "$APPS/smtpish.py" Y

sessions=0
# session VERIFYNAME S_CLIENT_ARGS... -- one STARTTLS session through
# openssl s_client, which verifies the chain and VERIFYNAME; sets got_fp
# to the fingerprint of the certificate the server sent, and waits for the
# TLS child's status (exit 0).
session() {
  local vname=$1; shift
  sessions=$((sessions + 1))
  rm -f "$T/block"
  with_timeout 30 openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" \
    -CAfile "$CA" -verify_return_error -verify_hostname "$vname" "$@" \
    </dev/null >"$T/sc$sessions.log" 2>&1 \
    || fail "session $sessions ($*): s_client failed: $(tail -n 5 "$T/sc$sessions.log")"
  grep -q '^Verification: OK' "$T/sc$sessions.log" || fail "session $sessions: not verified"
  got_fp=$(fp "$T/sc$sessions.log") || fail "session $sessions: no certificate in s_client output"
  wait_lines "$T/status" "$sessions"
  assert_eq "exit 0" "$(sed -n "${sessions}p" "$T/status")" "TLS child status, session $sessions"
}

# block_sni -- the SSL_TLS_SNI_SERVERNAME entry of the last Y block, or
# "unset"; the block must be well formed (ends in NUL NUL, or is one NUL)
block_sni() {
  "$PY" - "$T/block" <<'EOF'
import sys
b = open(sys.argv[1], "rb").read()
if not (b == b"\0" or b.endswith(b"\0\0")):
    sys.exit("malformed block %r" % b)
v = [e[len(b"SSL_TLS_SNI_SERVERNAME="):] for e in b[:-1].split(b"\0")[:-1]
     if e.startswith(b"SSL_TLS_SNI_SERVERNAME=")]
print(v[0].decode("latin-1") if v else "unset")
EOF
}

# 1. the named pair
session mail.example.org -servername mail.example.org
assert_eq "$mail_fp" "$got_fp" "certificate for SNI mail.example.org"
assert_eq mail.example.org "$(block_sni)" "SSL_TLS_SNI_SERVERNAME"
assert_file_contains "$T/srv.err" "sni=mail.example.org "

# 2. another name: the default pair, and the name as asked
session localhost -servername other.example.org
assert_eq "$default_fp" "$got_fp" "certificate for SNI other.example.org"
assert_eq other.example.org "$(block_sni)" "SSL_TLS_SNI_SERVERNAME"

# 3. names that only look like the configured one
for n in xmail.example.org mail.example.org.example.com ail.example.org mail.example; do
  session localhost -servername "$n"
  assert_eq "$default_fp" "$got_fp" "certificate for SNI $n"
  assert_eq "$n" "$(block_sni)" "SSL_TLS_SNI_SERVERNAME"
done

# 4. no SNI at all: the default, and no SSL_TLS_SNI_SERVERNAME
session localhost -noservername
assert_eq "$default_fp" "$got_fp" "certificate without SNI"
assert_eq unset "$(block_sni)" "SSL_TLS_SNI_SERVERNAME without SNI"
assert_file_contains "$T/srv.err" "sni=- "

# 5. DNS names are case-insensitive: MAIL.Example.ORG is the same name
session mail.example.org -servername MAIL.Example.ORG
assert_eq "$mail_fp" "$got_fp" "certificate for SNI MAIL.Example.ORG"

# 6. immediate mode: SSL_TLS_SNI_SERVERNAME in prog's environment
stop srv
start_tcpserver imm env "${named[@]}" ucspitlsd -i "$PY" "$APPS/dumpenv.py" "$T/env"
with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
  -servername mail.example.org -verify_hostname mail.example.org </dev/null >"$T/imm.log" 2>&1 \
  || fail "immediate s_client failed: $(tail -n 5 "$T/imm.log")"
assert_eq "$mail_fp" "$(fp "$T/imm.log")" "certificate for SNI mail.example.org (immediate)"
wait_file "$T/env"
assert_file_contains "$T/env" "env SSL_TLS_SNI_SERVERNAME=mail.example.org"
rm -f "$T/env"
with_timeout 30 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -verify_return_error \
  -noservername -verify_hostname localhost </dev/null >"$T/imm2.log" 2>&1 \
  || fail "immediate s_client (no SNI) failed: $(tail -n 5 "$T/imm2.log")"
assert_eq "$default_fp" "$(fp "$T/imm2.log")" "certificate without SNI (immediate)"
wait_file "$T/env"
assert_file_not_contains "$T/env" "SSL_TLS_SNI_SERVERNAME"
pass
