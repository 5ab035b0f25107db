#!/bin/bash
# config-errors: a certificate, key or trust anchor that is missing,
# unreadable or invalid, a CERTFILE:name without its KEYFILE:name (or the
# other way round), TLS_UID without TLS_GID (or the other way round) is
# found before prog is exec'd: ucspitlsd exits 96
# with exactly one line on stderr, `ucspitlsd: fatal: ...`, naming the file
# (or the variable that is unset), and prog never runs.  Checked in both
# modes.  A control case shows the same command line does run prog when
# the configuration is good.
. "$(dirname "$0")/lib.sh"
certs

printf 'this is not a certificate\n' >"$T/garbage.pem"
head -c 700 /dev/urandom >"$T/random.der"
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGJhc2U2NCBERVI=\n-----END CERTIFICATE-----\n' >"$T/badder.pem"
: >"$T/empty.pem"
mkdir "$T/adir"
# an RSA key of the right kind but not the certificate's: matched by the
# modulus that the key file carries
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other-rsa.key" 2>/dev/null \
  || fail "openssl genpkey"
mkdir "$T/emptycadir"

# expect96 MODE WHAT-TO-NAME [VAR=VALUE...] [-- OPTIONS...]
# runs ucspitlsd with only the given configuration variables set
expect96() {
  local mode=$1 name=$2; shift 2
  local envs=() opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  opts=("$@")
  [ "$mode" = immediate ] && opts=(-i "${opts[@]}")
  rm -f "$T/marker"
  env -u CERTFILE -u KEYFILE -u CAFILE -u CADIR "${envs[@]}" \
    timeout --foreground -k 2 20 ucspitlsd "${opts[@]}" touch "$T/marker" </dev/null >"$T/out" 2>"$T/err"
  local rc=$?
  local what="$mode ${envs[*]} ${opts[*]}"
  assert_eq 96 "$rc" "exit status ($what)"
  [ ! -e "$T/marker" ] || fail "prog ran ($what)"
  [ "$(wc -l <"$T/err")" = 1 ] || fail "expected one line on stderr ($what): [$(cat "$T/err")]"
  grep -q '^ucspitlsd: fatal: ' "$T/err" || fail "not a fatal message ($what): [$(cat "$T/err")]"
  assert_file_contains "$T/err" "$name" "stderr ($what)"
  [ ! -s "$T/out" ] || fail "something was written on stdout ($what)"
}

good=("CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY")
for mode in delayed immediate; do
  expect96 $mode CERTFILE "KEYFILE=$SRV_KEY"
  expect96 $mode KEYFILE "CERTFILE=$SRV_CERT"
  expect96 $mode "$T/nonexistent.pem" "CERTFILE=$T/nonexistent.pem" "KEYFILE=$SRV_KEY"
  expect96 $mode "$T/nonexistent.key" "CERTFILE=$SRV_CERT" "KEYFILE=$T/nonexistent.key"
  expect96 $mode "$T/adir" "CERTFILE=$T/adir" "KEYFILE=$SRV_KEY"
  expect96 $mode "$T/adir" "CERTFILE=$SRV_CERT" "KEYFILE=$T/adir"
  expect96 $mode "$T/garbage.pem" "CERTFILE=$T/garbage.pem" "KEYFILE=$SRV_KEY"
  expect96 $mode "$T/random.der" "CERTFILE=$T/random.der" "KEYFILE=$SRV_KEY"
  expect96 $mode "$T/badder.pem" "CERTFILE=$T/badder.pem" "KEYFILE=$SRV_KEY"
  expect96 $mode "$T/empty.pem" "CERTFILE=$T/empty.pem" "KEYFILE=$SRV_KEY"
  # a key where the certificate should be, and the other way round
  expect96 $mode "$SRV_KEY" "CERTFILE=$SRV_KEY" "KEYFILE=$SRV_KEY"
  expect96 $mode "$SRV_CERT" "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_CERT"
  expect96 $mode "$T/garbage.pem" "CERTFILE=$SRV_CERT" "KEYFILE=$T/garbage.pem"
  expect96 $mode "$T/random.der" "CERTFILE=$SRV_CERT" "KEYFILE=$T/random.der"
  # a key that is not the certificate's
  expect96 $mode "$MAIL_KEY" "CERTFILE=$SRV_CERT" "KEYFILE=$MAIL_KEY"
  expect96 $mode "$RSA_KEY" "CERTFILE=$SRV_CERT" "KEYFILE=$RSA_KEY"
  expect96 $mode "$T/other-rsa.key" "CERTFILE=$RSA_CERT" "KEYFILE=$T/other-rsa.key"
  # client certificates asked for, but no anchors, or bad ones
  expect96 $mode CAFILE "${good[@]}" -- -y
  expect96 $mode CAFILE "${good[@]}" -- -Y
  expect96 $mode "$T/nonexistent-ca.pem" "${good[@]}" "CAFILE=$T/nonexistent-ca.pem" -- -y
  expect96 $mode "$T/garbage.pem" "${good[@]}" "CAFILE=$T/garbage.pem" -- -y
  expect96 $mode "$T/nonexistent-cadir" "${good[@]}" "CADIR=$T/nonexistent-cadir" -- -Y
  expect96 $mode "$T/emptycadir" "${good[@]}" "CADIR=$T/emptycadir" -- -y
  # a pair chosen by SNI must come whole; its files are read only by the
  # handshake that picks it (config-named-pair)
  expect96 $mode "KEYFILE:mail.example.org" "${good[@]}" "CERTFILE:mail.example.org=$MAIL_CERT"
  expect96 $mode "CERTFILE:mail.example.org" "${good[@]}" "KEYFILE:mail.example.org=$MAIL_KEY"
  # TLS_UID and TLS_GID come as a pair
  expect96 $mode "TLS_GID" "${good[@]}" "TLS_UID=65534"
  expect96 $mode "TLS_UID" "${good[@]}" "TLS_GID=65534"
done

# control: the same invocation with a good configuration runs prog
rm -f "$T/marker"
env -u CAFILE -u CADIR "${good[@]}" "CAFILE=$CA" timeout --foreground -k 2 20 ucspitlsd -y touch "$T/marker" \
  </dev/null >"$T/out" 2>"$T/err"
assert_eq 0 "$?" "exit status with a good configuration"
[ -e "$T/marker" ] || fail "prog did not run with a good configuration"
[ ! -s "$T/err" ] || fail "stderr with a good configuration: $(cat "$T/err")"
pass
