#!/bin/bash
# client-dane-malformed: what TLSA may hold, and what it may not.  A
# malformed value is a usage error (exit 100) before prog runs and before
# a byte goes to the server, in one line that names the bad record and
# why; never a crash.  The rules:
#   - records are separated by ';', empty ones (between two separators,
#     or at either end) are skipped; a value of separators only is an
#     error, an empty TLSA is as if unset;
#   - each record is "usage selector mtype hex", the three numbers
#     decimal 0..255, the hex in either case and free to hold spaces
#     (RFC 6698 2.2); usage, selector or type unknown to us (9 1 1):
#     unusable, ignored (see client-dane-ee);
#   - SHA-256 data (mtype 1) is 32 bytes, SHA-512 (mtype 2) 64;
#   - at most 64 records (1000 are refused, naming record 65).
# TLSA is configuration: gone from prog's environment unless -Z; -C
# checks it (and needs no anchors with it, nor with -n).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/dane.sh"
certs
unset CAFILE CADIR

good=$(tlsa 3 1 1 "$SELF_CERT")
hex=${good#3 1 1 }

# bad CASE TLSA WHY -- exit 100 with "invalid TLSA: ... WHY", prog not run
bad() {
  TLSA=$2 ucspitlsc -i -k localhost sh -c 'touch "$1"' prog "$T/$1.ran" 2>"$T/$1.err"
  assert_eq 100 "$?" "$1: exit status ($(cat "$T/$1.err"))"
  assert_eq 1 "$(wc -l <"$T/$1.err")" "$1: one line: $(cat "$T/$1.err")"
  grep -q "^ucspitlsc: fatal: invalid TLSA: .*$3\$" "$T/$1.err" || fail "$1: the message: $(cat "$T/$1.err")"
  [ ! -e "$T/$1.ran" ] || fail "$1: prog ran"
}

bad usage-x "x 1 1 $hex" 'record 1 ("x 1 1 [0-9a-f]*..."): the usage is not a number'
bad usage-256 "256 1 1 $hex" "record 1 .*: a field is larger than 255"
bad usage-neg "-1 1 1 $hex" "record 1 .*: the usage is not a number"
bad selector "3 a 1 $hex" "the selector is not a number"
bad mtype "3 1 1x $hex" "the matching type is not a number"
bad odd "3 1 1 ${hex}0" "record 1 .*: the data has an odd number of hex digits"
bad odd2 "$good;3 0 0 abc" 'record 2 ("3 0 0 abc"): the data has an odd number of hex digits'
bad sha256-short "3 1 1 ${hex:2}" "a SHA-256 (matching type 1) is 32 bytes, 64 hex digits"
bad sha256-long "3 1 1 ${hex}00" "a SHA-256 (matching type 1) is 32 bytes, 64 hex digits"
bad sha512-short "3 1 2 $hex" "a SHA-512 (matching type 2) is 64 bytes, 128 hex digits"
bad nothex "3 1 1 ${hex:2}zz" "the data is not hexadecimal"
bad nodata "3 1 1" "record 1 .*: the record has no data"
bad nodata2 "3 1 1   " "the record has no data"
bad short "3 1" "the matching type is not a number"
bad seps ";; ; ;" "no record in it"
bad third ";;$good;;x" 'record 5 ("x"): the usage is not a number'
bad ctlchar "$(printf '3 1 1 a\001b')" 'record 1 ("3 1 1 a?b"): the data is not hexadecimal'
many=$(for i in $(seq 1000); do printf '3 1 1 %s;' "$hex"; done)
bad many "$many" "record 65 .*: more records than 64"

# what works: against s_server with the self-signed certificate
port=$(free_port)
start_bg srv openssl s_server -accept "127.0.0.1:$port" -cert "$SELF_CERT" -key "$SELF_KEY" -www
wait_port "$port"
ok() { # CASE TLSA [VERIFY]
  TLSA=$2 with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -k localhost \
    sh -c "$tls_run_prog" prog "$T/$1" 2>"$T/$1.err"
  assert_eq 0 "$?" "$1: exit status ($(cat "$T/$1.err"))"
  assert_file_contains "$T/$1.env" "SSL_SERVER_VERIFY=${3:-SUCCESS}" "$1"
}
ok empties ";;$good;; ;"
ok upper "3 1 1 ${hex^^}"
ok spaces "3	1 1 ${hex:0:20} ${hex:20:20}	${hex:40}"
ok sixtyfour "$(for i in $(seq 63); do printf '3 1 1 %064d;' 0; done)$good"
ok long "3 0 0 $(head -c 30000 /dev/zero | od -An -v -tx1 | tr -d ' \n');$good"
TLSA="3 0 0 $(head -c 30000 /dev/zero | od -An -v -tx1 | tr -d ' \n')" with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" \
  ucspitlsc -i -k localhost true 2>"$T/longbad.err"
assert_eq 99 "$?" "a long record that does not match ($(cat "$T/longbad.err"))"
# empty TLSA: as if unset, so anchors are needed
TLSA= ucspitlsc -k localhost true 2>"$T/empty.err"
assert_eq 100 "$?" "an empty TLSA and no anchors"
assert_file_contains "$T/empty.err" "ucspitlsc: fatal: CAFILE or CADIR must be set"

# TLSA is configuration: not in prog's environment, unless -Z
for z in "" -Z; do
  TLSA=$good with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc $z -k localhost \
    sh -c 'env >"$1"; exec 4<&$SSLCTLFD; exec 4<&-' prog "$T/env$z" 2>"$T/env$z.err"
  assert_eq 0 "$?" "env $z: $(cat "$T/env$z.err")"
done
assert_file_not_contains "$T/env" "TLSA=" "prog's environment"
assert_file_contains "$T/env-Z" "TLSA=$good" "prog's environment with -Z"

# -C
TLSA="$good;0 0 1 $hex;;9 9 9 00" ucspitlsc -C 2>"$T/C1.err"
assert_eq 0 "$?" "-C with TLSA: $(cat "$T/C1.err")"
assert_file_contains "$T/C1.err" "ucspitlsc: info: TLSA: 3 records, 1 usable for DANE: ok"
TLSA="3 1 1 ${hex}0" ucspitlsc -C 2>"$T/C2.err"
assert_eq 100 "$?" "-C with a malformed TLSA: $(cat "$T/C2.err")"
assert_file_contains "$T/C2.err" "ucspitlsc: fatal: invalid TLSA: record 1"
ucspitlsc -C -n 2>"$T/C3.err"
assert_eq 0 "$?" "-C -n without anchors: $(cat "$T/C3.err")"
# as a run without them: a usage error
ucspitlsc -C 2>"$T/C4.err"
assert_eq 100 "$?" "-C without anchors, TLSA or -n: $(cat "$T/C4.err")"
pass
