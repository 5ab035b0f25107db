#!/bin/bash
# check-mode-verbosity: -C honours -v.  With -v 0 a good configuration
# prints nothing (a run script that checks before every start must not
# fill the log of a service stuck in a restart loop), a bad one still
# prints its one fatal line and exits 96; the default -v 1 prints the
# info lines.  Both programs.
. "$(dirname "$0")/lib.sh"
certs

# check EXPECTED-EXIT ENV... PROG ARGS... -- stderr in $T/err
check() {
  local want=$1; shift
  with_timeout 20 env -u CERTFILE -u KEYFILE -u CAFILE -u CADIR "$@" >"$T/out" 2>"$T/err"
  assert_eq "$want" "$?" "exit status of: $*"
  [ ! -s "$T/out" ] || fail "something on stdout: $(cat "$T/out")"
}

good=("CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" "CAFILE=$CA")
check 0 "${good[@]}" ucspitlsd -C -v 0
[ ! -s "$T/err" ] || fail "ucspitlsd -C -v 0 printed: $(cat "$T/err")"
check 0 "${good[@]}" ucspitlsd -C -v0 -y
[ ! -s "$T/err" ] || fail "ucspitlsd -C -v0 -y printed: $(cat "$T/err")"
check 0 "${good[@]}" ucspitlsd -C
assert_eq 2 "$(grep -c '^ucspitlsd: info: ' "$T/err")" "info lines of ucspitlsd -C"
check 0 "${good[@]}" ucspitlsd -C -v 1
assert_eq 2 "$(grep -c '^ucspitlsd: info: ' "$T/err")" "info lines of ucspitlsd -C -v 1"

check 96 "CERTFILE=$EXPIRED_CERT" "KEYFILE=$EXPIRED_KEY" ucspitlsd -C -v 0
assert_eq 1 "$(wc -l <"$T/err")" "lines of a failed -C -v 0"
grep -q '^ucspitlsd: fatal: .*expired on ' "$T/err" || fail "no fatal line: $(cat "$T/err")"

check 0 "CAFILE=$CA" "CERTFILE=$CLIENT_CERT" "KEYFILE=$CLIENT_KEY" ucspitlsc -C -v 0 -y
[ ! -s "$T/err" ] || fail "ucspitlsc -C -v 0 printed: $(cat "$T/err")"
check 0 "CAFILE=$CA" "CERTFILE=$CLIENT_CERT" "KEYFILE=$CLIENT_KEY" ucspitlsc -C -y
assert_eq 2 "$(grep -c '^ucspitlsc: info: ' "$T/err")" "info lines of ucspitlsc -C -y"
check 100 "CAFILE=$CA" ucspitlsc -C -v 3
pass
