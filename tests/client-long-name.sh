#!/bin/bash
# client-long-name: `ucspitlsc -k NAME` with a NAME longer than 255 bytes
# (more than SNI and BearSSL carry: every handshake would fail) is refused
# at start, in both modes and with -C: exit 100, one line that says so,
# prog never runs.  A name of 255 bytes is taken: the handshake happens
# and fails on the name (99, the policy's status), as for any name that the certificate does
# not carry.  The server is ucspitlsd -i.
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA

long=$(printf 'a%.0s' $(seq 256))
max=${long:1}
[ ${#long} = 256 ] && [ ${#max} = 255 ] || fail "the names are not 256 and 255 bytes"

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_STATUS_FILE=$T/srv.status \
  start_tcpserver srv ucspitlsd -i "$PY" "$APPS/smtpish.py"

# client NAME ARGS... -- ucspitlsc ARGS under tcpclient; prog touches $T/ran
client() {
  local name=$1; shift
  rm -f "$T/ran"
  with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc "$@" touch "$T/ran" >"$T/$name.out" 2>"$T/$name.err"
}

for opts in "-i" ""; do
  client "long$opts" $opts -k "$long"
  assert_eq 100 "$?" "exit status with a 256-byte -k name ($opts)"
  assert_eq "ucspitlsc: fatal: the server name given to -k is longer than 255 bytes" "$(cat "$T/long$opts.err")" "the line ($opts)"
  [ ! -e "$T/ran" ] || fail "prog ran with a 256-byte -k name ($opts)"
done
with_timeout 20 ucspitlsc -C -k "$long" >"$T/check.out" 2>"$T/check.err"
assert_eq 100 "$?" "exit status of ucspitlsc -C -k with a 256-byte name"
assert_file_contains "$T/check.err" "ucspitlsc: fatal: the server name given to -k is longer than 255 bytes"

# 255 bytes: a handshake, which fails on the name
client max -i -k "$max"
assert_eq 99 "$?" "exit status with a 255-byte -k name ($(cat "$T/max.err"))"
grep -q '^ucspitlsc: fatal: TLS handshake failed: ' "$T/max.err" || fail "the 255-byte name: $(cat "$T/max.err")"
[ ! -e "$T/ran" ] || fail "prog ran although the name does not match"
# and the right name works
client ok -i -k localhost
assert_eq 0 "$?" "exit status with -k localhost ($(cat "$T/ok.err"))"
[ -e "$T/ran" ] || fail "prog did not run with -k localhost"
pass
