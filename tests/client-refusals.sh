#!/bin/bash
# client-refusals: ucspitlsc refuses what it cannot verify, and never falls
# back to plaintext.  The servers are apps/client-recorder.py, a raw
# Python TLS server that keeps every byte it receives after the switch.
#   - a certificate for another name, a self-signed one, an expired one:
#     exit 99, the status of a certificate that fails the policy, with
#     BearSSL's error named (the TLS child in delayed mode,
#     ucspitlsc itself with -i, where prog never runs); the application
#     sees end-of-file (no facts block after Y); the bytes on the wire
#     after the switch are TLS records only, and the application's marker
#     lines -- one written to SSLWRITEFD before the control byte, one
#     after it -- appear nowhere in them;
#   - no anchors (no CAFILE, no CADIR): exit 100 before prog runs;
#     unreadable anchors: 96;
#   - neither -k nor -N: exit 100 before prog runs;
#   - plaintext injected after the server's "220 Ready to start TLS"
#     breaks the handshake (98) and never reaches the application.
# A control run with the right name proves that the recorder does see
# the markers once they are decrypted.
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA

declare -A RPORT CONNS

# recorder NAME CERT KEY [--immediate]
recorder() {
  mkdir -p "$T/$1.d" || fail "mkdir"
  start_bg "$1" "$PY" "$APPS/client-recorder.py" ${4:+"$4"} "$2" "$3" "$T/$1.d"
  wait_file "$T/$1.out"
  RPORT[$1]=$(head -n 1 "$T/$1.out")
  CONNS[$1]=0
  wait_port "${RPORT[$1]}"
}

# recorded NAME -- wait until the recorder has finished its next
# connection; sets R to the base name of its files
recorded() {
  CONNS[$1]=$(( ${CONNS[$1]} + 1 ))
  R=$T/$1.d/${CONNS[$1]}
  wait_for 15 grep -qx end "$R.log" 2>/dev/null || fail "recorder $1: connection ${CONNS[$1]} did not end"
}

# only_tls FILE WHAT -- FILE is TLS records and nothing else, starting
# with a handshake record, and holds none of the markers
only_tls() {
  local kinds
  kinds=$("$PY" "$APPS/client-tlsrecords.py" "$1") || fail "$2: not only TLS records on the wire: $kinds"
  case $kinds in 22*) ;; *) fail "$2: the client did not start with a handshake record: $kinds" ;; esac
  no_markers "$1" "$2"
}

no_markers() {
  if grep -qaF -e EARLY- -e LATE- -e PLAIN- "$1"; then
    fail "$2: a marker went out in plaintext: $(grep -aoF -e EARLY- -e LATE- -e PLAIN- "$1" | head -n 3)"
  fi
}

# delayed NAME K CTL N -- client-smtp through ucspitlsc -k K, control
# byte CTL; files $T/dN.*
delayed() {
  TEST_EARLY="EARLY-$4" TEST_MARKER="LATE-$4" with_timeout 40 \
    tcpclient -RHl0 127.0.0.1 "${RPORT[$1]}" ucspitlsc -k "$2" \
    "$PY" "$APPS/client-waitchild.py" "$T/d$4.status" \
    "$APPS/client-smtp" "$3" "$T/d$4.log" "$T/d$4.block" >"$T/d$4.out" 2>"$T/d$4.err"
}

# immediate NAME K N -- ucspitlsc -i -k K; prog would leave $T/iN.ran
immediate() {
  with_timeout 40 tcpclient -RHl0 127.0.0.1 "${RPORT[$1]}" ucspitlsc -i -k "$2" \
    sh -c 'touch "$1.ran"; echo "PLAIN-$2" >&7; cat <&6 >/dev/null' prog "$T/i$3" "$3" \
    >"$T/i$3.out" 2>"$T/i$3.err"
}

# failed_msg FILE MSG -- the one-line message of a failed handshake
failed_msg() {
  [ -f "$1" ] || fail "$1: no such file"
  untail <"$1" | grep -q "^ucspitlsc: fatal: TLS handshake failed: .*$2\$" \
    || fail "no handshake failure naming [$2] in $1: [$(cat "$1")]"
}

# refused CASE CERT KEY NAME ERROR-MESSAGE
refused() {
  local c=$1 cert=$2 key=$3 name=$4 msg=$5 rc
  recorder "$c" "$cert" "$key"
  recorder "${c}_i" "$cert" "$key" --immediate

  # delayed, y: the TLS child exits 99; the app reads end-of-file
  delayed "$c" "$name" y "$c-y"; rc=$?
  assert_eq 1 "$rc" "$c, y: the application's exit status"
  assert_eq "prog exit 1
tls exit 99" "$(cat "$T/d$c-y.status")" "$c, y: statuses"
  failed_msg "$T/d$c-y.err" "$msg"
  assert_file_contains "$T/d$c-y.log" "ctl sent y"
  assert_file_not_contains "$T/d$c-y.log" "S: 250 2.0.0 Ok" "$c, y: client log"
  [ ! -s "$T/d$c-y.block" ] || fail "$c, y: bytes on the control channel"
  recorded "$c"
  assert_file_contains "$R.log" "sni $name"
  assert_file_contains "$R.log" "handshake error"
  assert_file_not_contains "$R.log" "line " "$c, y: recorder"
  only_tls "$R.raw" "$c, y"
  no_markers "$R.pre" "$c, y, before the switch"

  # delayed, Y: no facts block, so the app stops there
  delayed "$c" "$name" Y "$c-Y"; rc=$?
  assert_eq 1 "$rc" "$c, Y: the application's exit status"
  assert_eq "prog exit 1
tls exit 99" "$(cat "$T/d$c-Y.status")" "$c, Y: statuses"
  assert_file_contains "$T/d$c-Y.log" "fail no facts block"
  [ ! -s "$T/d$c-Y.block" ] || fail "$c, Y: a facts block after a failed handshake: $(od -c "$T/d$c-Y.block")"
  failed_msg "$T/d$c-Y.err" "$msg"
  recorded "$c"
  assert_file_contains "$R.log" "handshake error"
  only_tls "$R.raw" "$c, Y"

  # immediate: ucspitlsc exits 99 and prog never runs
  immediate "${c}_i" "$name" "$c"; rc=$?
  assert_eq 99 "$rc" "$c, -i: exit status"
  [ ! -e "$T/i$c.ran" ] || fail "$c, -i: prog ran although the handshake failed"
  failed_msg "$T/i$c.err" "$msg"
  recorded "${c}_i"
  assert_file_contains "$R.log" "handshake error"
  only_tls "$R.raw" "$c, -i"
}

# 1. the certificates ucspitlsc must refuse
refused wrongname "$SRV_CERT" "$SRV_KEY" other.example.org \
  "expected server name was not found in the chain (BR_ERR_X509_BAD_SERVER_NAME)"
refused untrusted "$SELF_CERT" "$SELF_KEY" localhost " (BR_ERR_X509_NOT_TRUSTED)"
refused expired "$EXPIRED_CERT" "$EXPIRED_KEY" localhost " (BR_ERR_X509_EXPIRED)"

# 2. the control: the right name; the markers travel, encrypted (and the
# anchors come from CADIR this time)
recorder good "$SRV_CERT" "$SRV_KEY"
(
  unset CAFILE
  CADIR=$CA_DIR TEST_EARLY=EARLY-good TEST_MARKER=LATE-good with_timeout 40 \
  tcpclient -RHl0 127.0.0.1 "${RPORT[good]}" ucspitlsc -k localhost \
  "$PY" "$APPS/client-waitchild.py" "$T/dgood.status" \
  "$APPS/client-smtp" y "$T/dgood.log" >"$T/dgood.out" 2>"$T/dgood.err"
) || fail "the control session failed"
assert_eq "prog exit 0
tls exit 0" "$(cat "$T/dgood.status")" "control session statuses"
recorded good
assert_file_contains "$R.log" "handshake ok TLSv1.2"
assert_file_contains "$R.log" "line NOOP EARLY-good"
assert_file_contains "$R.log" "line LATE-good"
only_tls "$R.raw" "control session"
kinds=$("$PY" "$APPS/client-tlsrecords.py" "$R.raw")
assert_contains "$kinds" "23" "control session record types"

# 3. a STARTTLS response injection: plaintext that the server sends
# after its go-ahead is left on the socket by the application (it reads
# byte by byte), so the TLS child reads it as handshake data: the
# handshake fails, nothing of it reaches the application, no marker goes
# out in clear
RECORDER_INJECT='250 injected\n250 2.0.0 Ok\n' recorder inject "$SRV_CERT" "$SRV_KEY"
delayed inject localhost y inject; rc=$?
assert_eq 1 "$rc" "injection: the application's exit status"
assert_eq "prog exit 1
tls exit 98" "$(cat "$T/dinject.status")" "injection: statuses"
assert_file_not_contains "$T/dinject.log" "injected" "injection: client log"
untail <"$T/dinject.err" | grep -q '^ucspitlsc: fatal: TLS handshake failed: .*(BR_ERR_[A-Z0-9_]*)$' \
  || fail "injection: no handshake failure naming BearSSL's error: [$(cat "$T/dinject.err")]"
recorded inject
assert_file_contains "$R.log" "handshake error"
only_tls "$R.raw" "injection"

# 4. no anchors: exit 100 before prog runs, delayed and immediate, and
# nothing reaches the server; anchors that cannot be read: 96
for mode in "" -i; do
  (
    unset CAFILE CADIR
    with_timeout 20 tcpclient -RHl0 127.0.0.1 "${RPORT[good]}" \
      ucspitlsc $mode -k localhost sh -c 'touch "$1"; echo PLAIN-noanchor >&7' prog "$T/noanchor.ran" \
      2>"$T/noanchor.err"
  )
  assert_eq 100 "$?" "exit status without anchors ($mode)"
  [ ! -e "$T/noanchor.ran" ] || fail "prog ran without anchors ($mode)"
  assert_file_contains "$T/noanchor.err" "ucspitlsc: fatal: CAFILE or CADIR must be set"
  recorded good
  [ ! -s "$R.pre" ] && [ ! -s "$R.raw" ] || fail "bytes reached the server without anchors ($mode)"
done
env -u CAFILE CADIR="$T/nonexistent" ucspitlsc -k localhost true 2>"$T/cadir.err"
assert_eq 96 "$?" "exit status with a CADIR that does not exist"
assert_file_contains "$T/cadir.err" "ucspitlsc: fatal: "
CAFILE=$T/nonexistent.pem ucspitlsc -k localhost true 2>"$T/cafile.err"
assert_eq 96 "$?" "exit status with a CAFILE that does not exist"
assert_file_contains "$T/cafile.err" "$T/nonexistent.pem"

# 5. neither -k nor -N: exit 100 before prog runs; an empty name is a
# usage error
with_timeout 20 tcpclient -RHl0 127.0.0.1 "${RPORT[good]}" \
  ucspitlsc sh -c 'touch "$1"; echo PLAIN-noname >&7' prog "$T/noname.ran" 2>"$T/noname.err"
assert_eq 100 "$?" "exit status without -k or -N"
[ ! -e "$T/noname.ran" ] || fail "prog ran without -k or -N"
assert_file_contains "$T/noname.err" "ucspitlsc: fatal: no server name to check"
recorded good
[ ! -s "$T/good.d/${CONNS[good]}.pre" ] || fail "bytes reached the server without -k or -N"
ucspitlsc -i true 2>"$T/noname-i.err"
assert_eq 100 "$?" "exit status without -k or -N (-i)"
assert_file_contains "$T/noname-i.err" "no server name to check"
ucspitlsc -k "" true 2>"$T/empty.err"
assert_eq 100 "$?" "exit status with -k ''"
assert_file_contains "$T/empty.err" "ucspitlsc: usage: "
pass
