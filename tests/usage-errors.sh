#!/bin/bash
# usage-errors: an unknown option, a missing prog, a missing or bad option
# value: ucspitlsd exits 100 with a `ucspitlsd: usage: ...` line on stderr,
# and prog never runs.  The configuration is good, so usage is the only
# thing wrong; a control case shows the same valid options do run prog.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# expect100 ARGS... -- ucspitlsd ARGS must be refused as a usage error
expect100() {
  rm -f "$T/marker"
  timeout --foreground -k 2 20 ucspitlsd "$@" </dev/null >"$T/out" 2>"$T/err"
  local rc=$?
  assert_eq 100 "$rc" "exit status of: ucspitlsd $*"
  grep -q '^ucspitlsd: usage: ucspitlsd' "$T/err" \
    || fail "no usage line for: ucspitlsd $* -- stderr: [$(cat "$T/err")]"
  [ ! -e "$T/marker" ] || fail "prog ran for: ucspitlsd $*"
  [ ! -s "$T/out" ] || fail "stdout not empty for: ucspitlsd $*"
}

m=$T/marker
expect100
expect100 -i
expect100 -K 1000 -v 2
expect100 -X touch "$m"
expect100 -q touch "$m"
expect100 -K
expect100 -K abc touch "$m"
expect100 -K 10x touch "$m"
expect100 -K -5 touch "$m"
expect100 -K '' touch "$m"
expect100 -I abc touch "$m"
expect100 -I 5s touch "$m"
expect100 -I '' touch "$m"
expect100 -K 2147483648 touch "$m"
expect100 -K 4294967296 touch "$m"
expect100 -I 2147483648 touch "$m"
expect100 -I 99999999999 touch "$m"
expect100 -v abc touch "$m"
expect100 -v '' touch "$m"
expect100 -k 3 touch "$m"
expect100 -k abc touch "$m"
expect100 -k '' touch "$m"
expect100 -i -k 9 touch "$m"
expect100 -p -x
expect100 -x

# control: valid values of the same options
rm -f "$m"
env "CERTFILE:localhost=$SRV_CERT" "KEYFILE:localhost=$SRV_KEY" \
  timeout --foreground -k 2 20 ucspitlsd -K 1000 -I 0 -v 2 -k 2 -z touch "$m" </dev/null >"$T/out" 2>"$T/err"
assert_eq 0 "$?" "exit status with valid options"
[ -e "$m" ] || fail "prog did not run with valid options: $(cat "$T/err")"
pass
