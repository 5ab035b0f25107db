#!/bin/bash
# check-mode: `ucspitlsd -C` checks the whole configuration once and
# exits, as a run script does before tcpserver starts: every pair (the
# default one unless -k 2, every CERTFILE:name unless -k 0), each key
# matched to its certificate by computing its public key, every
# certificate's dates, the anchors.  One info line per pair, exit 0; the
# first problem: one fatal line naming the file, exit 96.  A prog after
# -C is a usage error.  `ucspitlsc -C` checks the anchors and, with -y,
# the client pair.  A key file that carries no public point is still
# matched to its certificate, per connection too (the slow way).
. "$(dirname "$0")/lib.sh"
certs

# check EXPECTED-EXIT PROG ARGS... -- with the environment given by env
check() {
  local want=$1; shift
  with_timeout 20 env -u CERTFILE -u KEYFILE -u CAFILE -u CADIR "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  assert_eq "$want" "$rc" "exit status of: $*"
  [ ! -s "$T/out" ] || fail "something on stdout: $(cat "$T/out")"
}

named=("CERTFILE:mail.example.org=$MAIL_CERT" "KEYFILE:mail.example.org=$MAIL_KEY"
       "CERTFILE:*.example.net=$WILD_CERT" "KEYFILE:*.example.net=$WILD_KEY")
good=("CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" "${named[@]}" "CAFILE=$CA")

check 0 "${good[@]}" ucspitlsd -C
assert_eq 4 "$(wc -l <"$T/err")" "lines of a good check"
until=$(date -u -d "$(openssl x509 -in "$MAIL_CERT" -noout -enddate | cut -d= -f2)" '+%b %e %H:%M:%S %Y GMT')
assert_file_contains "$T/err" "ucspitlsd: info: CERTFILE $SRV_CERT and its key $SRV_KEY: ok, valid until "
assert_file_contains "$T/err" "ucspitlsd: info: CERTFILE:mail.example.org $MAIL_CERT and its key $MAIL_KEY: ok, valid until $until"
assert_file_contains "$T/err" "ucspitlsd: info: CERTFILE:*.example.net $WILD_CERT"
assert_file_contains "$T/err" "ucspitlsd: info: trust anchors $CA: ok"

# -k 2: no default pair needed; -k 0: named pairs not read
check 0 "${named[@]}" ucspitlsd -C -k 2
assert_eq 2 "$(wc -l <"$T/err")" "lines of a -k 2 check"
check 0 "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" "CERTFILE:mail.example.org=$T/none.pem" "KEYFILE:mail.example.org=$MAIL_KEY" ucspitlsd -C -k 0

# expect96 NEEDLE ENV... ucspitlsd -C ... -- the info lines of the pairs
# that were fine, then one fatal line containing NEEDLE
expect96() {
  local needle=$1; shift
  check 96 "$@"
  assert_eq 1 "$(grep -c '^ucspitlsd: fatal: ' "$T/err")" "fatal lines for: $*"
  tail -n 1 "$T/err" | grep -q "^ucspitlsd: fatal: .*$needle" || fail "the last line is not a fatal one with [$needle]: $(cat "$T/err")"
  [ "$(grep -vc '^ucspitlsd: \(info\|fatal\): ' "$T/err")" = 0 ] || fail "other lines: $(cat "$T/err")"
}
expect96 "expired on Apr  1 00:00:00 2020 GMT" "CERTFILE=$EXPIRED_CERT" "KEYFILE=$EXPIRED_KEY" ucspitlsd -C
expect96 "$T/none.pem" "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" "CERTFILE:mail.example.org=$T/none.pem" "KEYFILE:mail.example.org=$MAIL_KEY" ucspitlsd -C
expect96 "does not match" "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" "CERTFILE:mail.example.org=$MAIL_CERT" "KEYFILE:mail.example.org=$SRV_KEY" ucspitlsd -C
expect96 "KEYFILE:mail.example.org not set" "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" "CERTFILE:mail.example.org=$MAIL_CERT" ucspitlsd -C
expect96 "CAFILE or CADIR" "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" ucspitlsd -C -y

# a key whose file carries no public point: the public key is computed
openssl ec -in "$SRV_KEY" -no_public -out "$T/srv-nopub.key" 2>/dev/null || fail "openssl ec -no_public"
openssl ec -in "$MAIL_KEY" -no_public -out "$T/mail-nopub.key" 2>/dev/null || fail "openssl ec -no_public"
openssl asn1parse -in "$T/srv-nopub.key" | grep -q 'cont \[ 1 \]' && fail "the key still carries its public point"
check 0 "CERTFILE=$SRV_CERT" "KEYFILE=$T/srv-nopub.key" ucspitlsd -C
rm -f "$T/ran"
check 0 "CERTFILE=$SRV_CERT" "KEYFILE=$T/srv-nopub.key" ucspitlsd touch "$T/ran"
[ -e "$T/ran" ] || fail "prog did not run with a key that carries no public point"
rm -f "$T/ran"
check 96 "CERTFILE=$SRV_CERT" "KEYFILE=$T/mail-nopub.key" ucspitlsd touch "$T/ran"
[ ! -e "$T/ran" ] || fail "prog ran with a key (no public point) that is not the certificate's"
assert_file_contains "$T/err" "does not match"

# a prog after -C: usage
check 100 "${good[@]}" ucspitlsd -C true
assert_file_contains "$T/err" "ucspitlsd: usage: "

# the client side
check 0 "CAFILE=$CA" ucspitlsc -C
assert_file_contains "$T/err" "ucspitlsc: info: trust anchors $CA: ok"
check 0 "CAFILE=$CA" "CERTFILE=$CLIENT_CERT" "KEYFILE=$CLIENT_KEY" ucspitlsc -C -y
assert_file_contains "$T/err" "ucspitlsc: info: CERTFILE $CLIENT_CERT and its key $CLIENT_KEY: ok"
# no anchors: 100, as a run without them (check-mode-status)
check 100 ucspitlsc -C
check 96 "CAFILE=$CA" "CERTFILE=$CLIENT_CERT" "KEYFILE=$SRV_KEY" ucspitlsc -C -y
assert_file_contains "$T/err" "does not match"
pass
