#!/bin/bash
# chain-bounds: the key process passes a certificate chain on in one
# message of at most 65536 bytes (4, and 3 more for each certificate) and
# at most 255 certificates; -C (both programs), the check before prog
# runs (both programs) and the key process refuse the same chains, with
# exit 96 and a line that names the file and the bound.  The chains are
# the leaf of CHAIN_CERT followed by copies of its intermediate: the
# longest that fits the byte bound passes all of them and serves (s_client
# gets every certificate); one more certificate, or 256 certificates,
# fails all of them.  A named pair (CERTFILE:name), which only the key
# process reads for a connection, fails the handshake with the same line.
. "$(dirname "$0")/lib.sh"
certs

openssl x509 -in "$CHAIN_CERT" -out "$T/leaf.pem" || fail "openssl x509 (leaf)"
leaf=$(openssl x509 -in "$T/leaf.pem" -outform DER | wc -c)
inter=$(openssl x509 -in "$INTER_CERT" -outform DER | wc -c)
# chain FILE N -- the leaf and N copies of the intermediate
chain() {
  { cat "$T/leaf.pem"; for _ in $(seq "$2"); do cat "$INTER_CERT"; done; } >"$1"
}
# the most copies that fit: 4 + (3 + leaf) + k * (3 + inter) <= 65536
fit=$(( (65536 - 4 - 3 - leaf) / (3 + inter) ))
[ $((fit + 1)) -le 254 ] || fail "the intermediate is too small for the byte bound to come first ($inter bytes)"
chain "$T/fits.pem" "$fit"
chain "$T/bytes.pem" $((fit + 1))
chain "$T/count.pem" 255
say "leaf $leaf bytes, intermediate $inter bytes: $((fit + 1)) certificates ($((4 + 3 + leaf + fit * (3 + inter))) bytes) fit, $((fit + 2)) do not"

bytes_msg="certificate chain too long in FILE: a chain has at most 65536 bytes, with 3 for each certificate and 4 more"
count_msg="too many certificates in FILE: a chain has at most 255"

# run WANT ENV... PROG ARGS... -- stdin from /dev/null, out in $T/out
run() {
  local want=$1; shift
  with_timeout 30 env -u CERTFILE -u KEYFILE -u CAFILE -u CADIR "$@" </dev/null >"$T/out" 2>"$T/err"
  assert_eq "$want" "$?" "exit status of: $* ($(cat "$T/err"))"
}
# refused FILE MSG PROG -- one fatal line, the last, with FILE for FILE
# in MSG (after info lines of what was fine)
refused() {
  local line="$3: fatal: ${2//FILE/$1}"
  assert_eq 1 "$(grep -c ': fatal: ' "$T/err")" "fatal lines of $3 ($(cat "$T/err"))"
  assert_eq "$line" "$(tail -n 1 "$T/err")" "$3's line"
  assert_eq 0 "$(grep -vc "^$3: \(info\|fatal\): " "$T/err")" "other lines of $3 ($(cat "$T/err"))"
}

# 1. the chain that fits: checked, served whole
run 0 "CERTFILE=$T/fits.pem" "KEYFILE=$CHAIN_KEY" ucspitlsd -C
run 0 "CERTFILE=$T/fits.pem" "KEYFILE=$CHAIN_KEY" "CAFILE=$CA" ucspitlsc -C -y
CERTFILE=$T/fits.pem KEYFILE=$CHAIN_KEY TEST_STATUS_FILE=$T/fits.status start_tcpserver fits \
  ucspitlsd -i "$PY" "$APPS/smtpish.py"
with_timeout 60 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -servername localhost \
  -showcerts </dev/null >"$T/fits.sc" 2>&1 || fail "s_client with the chain that fits: $(grep -i error "$T/fits.sc" | head -n 3)"
assert_eq $((fit + 1)) "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$T/fits.sc")" "certificates that s_client got"
wait_lines "$T/fits.status" 1 30
assert_eq "exit 0" "$(cat "$T/fits.status")" "the TLS child that served the chain that fits"
stop fits

# 2. over each bound: -C and the check before prog, both programs
for c in bytes count; do
  f=$T/$c.pem
  msg=${c}_msg
  msg=${!msg}
  run 96 "CERTFILE=$f" "KEYFILE=$CHAIN_KEY" ucspitlsd -C
  refused "$f" "$msg" ucspitlsd
  run 96 "CERTFILE=$f" "KEYFILE=$CHAIN_KEY" "CAFILE=$CA" ucspitlsc -C -y
  refused "$f" "$msg" ucspitlsc
  rm -f "$T/ran"
  run 96 "CERTFILE=$f" "KEYFILE=$CHAIN_KEY" ucspitlsd -i touch "$T/ran"
  refused "$f" "$msg" ucspitlsd
  run 96 "CERTFILE=$f" "KEYFILE=$CHAIN_KEY" ucspitlsd touch "$T/ran"
  refused "$f" "$msg" ucspitlsd
  run 96 "CERTFILE=$f" "KEYFILE=$CHAIN_KEY" "CAFILE=$CA" ucspitlsc -i -y -k localhost touch "$T/ran"
  refused "$f" "$msg" ucspitlsc
  [ ! -e "$T/ran" ] || fail "prog ran with the chain $c.pem"
done

# 3. a named pair over the bound: the key process says the same at the
# handshake, which fails
run 96 "CERTFILE:localhost=$T/bytes.pem" "KEYFILE:localhost=$CHAIN_KEY" ucspitlsd -C -k 2
refused "$T/bytes.pem" "$bytes_msg" ucspitlsd
start_tcpserver named "$APPS/record-exit" "$T/named.status" \
  env "CERTFILE:localhost=$T/bytes.pem" "KEYFILE:localhost=$CHAIN_KEY" ucspitlsd -i -k 2 "$PY" "$APPS/smtpish.py"
with_timeout 60 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$CA" -servername localhost \
  </dev/null >"$T/named.sc" 2>&1 && fail "a handshake with the named chain over the bound succeeded"
wait_lines "$T/named.status" 1 30
assert_eq "exit 96" "$(cat "$T/named.status")" "ucspitlsd -i, whose key process refused the named chain"
wait_for 10 grep -q "ucspitlsd: fatal: ${bytes_msg//FILE/$T/bytes.pem}" "$T/named.err" \
  || fail "no line naming the file and the bound: $(cat "$T/named.err")"
stop named
pass
