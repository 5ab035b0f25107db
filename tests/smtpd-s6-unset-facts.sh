#!/bin/bash
# smtpd-s6-unset-facts: under a UCSPI-TLS server that behaves as
# s6-ucspitlsd (tests/apps/ucspitls-server.py --style s6), a fact that it
# lacks comes as a bare NAME with no "=": unset.  The server that
# starttls-smtpd starts inside TLS then has no such variable at all,
# though the plaintext environment held a stale value for each; the
# facts that are given (SNI, the client certificate's hash) replace the
# stale values.  The block's end (two more NULs after it) is found as it
# comes, the channel closing after it.
. "$(dirname "$0")/lib.sh"
certs

SSL_TLS_SNI_SERVERNAME=stale.example SSL_PEER_CERT_HASH=SHA256:stale SSL_PEER_CERT_SUBJECT=CN=stale \
  QMAIL_ENVDUMP=$T/env start_ucspitls_server srv s6 --ca "$CA"

session() {  # n [tlsclient options]
  local n=$1; shift
  with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" "$@" \
    'reply 220' 'send EHLO c.example' 'reply 250 ^250-STARTTLS$' \
    'send STARTTLS' 'reply 220' tls \
    'send EHLO c.example' 'reply 250' 'send QUIT' 'reply 221' eof \
    >"$T/py$n.log" 2>&1 || fail "session $n failed: $(tail -n 3 "$T/py$n.log")"
  wait_lines "$T/srv.status" "$n"
  assert_eq "exit 0" "$(sed -n "${n}p" "$T/srv.status")" "starttls-smtpd's exit status, session $n"
}
last_env() { awk '/^instance /{ b = "" } { b = b $0 "\n" } END { printf "%s", b }' "$T/env"; }

# no SNI, no client certificate: three facts unset
session 1
env1=$(last_env)
assert_contains "$env1" "SSL_PROTOCOL='TLSv1." "the server's environment inside TLS"
assert_contains "$env1" "SSL_CIPHER='" "the server's environment inside TLS"
for v in SSL_TLS_SNI_SERVERNAME SSL_PEER_CERT_HASH SSL_PEER_CERT_SUBJECT; do
  printf '%s\n' "$env1" | grep -q "^$v" && fail "$v is in the server's environment: $(printf '%s\n' "$env1" | grep "^$v")"
done
# the plaintext server had them, as its environment said
assert_contains "$(grep -A 100 -m 1 '^instance ' "$T/env")" "SSL_TLS_SNI_SERVERNAME='stale.example'" \
  "the plaintext server's environment"

# SNI and a client certificate: the facts are set, the stale values gone
session 2 --ca "$CA" --sni localhost --cert "$CLIENT_CERT" --key "$CLIENT_KEY"
env2=$(last_env)
assert_contains "$env2" "SSL_TLS_SNI_SERVERNAME='localhost'" "the server's environment inside TLS"
assert_contains "$env2" "SSL_PEER_CERT_HASH='SHA256:$(cert_sha256 "$CLIENT_CERT")'" "the server's environment inside TLS"
assert_not_contains "$env2" "stale" "the server's environment inside TLS"
assert_file_not_contains "$T/srv.err" "starttls-smtpd: " "starttls-smtpd's messages"
pass
