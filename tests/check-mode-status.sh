#!/bin/bash
# check-mode-status: for a mistake in the configuration, -C exits with the
# status of a normal run and says the same line: ucspitlsc without
# anchors (100, the usage error its manual page names), with anchors that
# cannot be read (96), with -y and no CERTFILE (96); ucspitlsd -y without
# anchors (96).  The normal run is given fds 6 and 7 (or 0 and 1) open,
# and dies before prog runs.
. "$(dirname "$0")/lib.sh"
certs
declare -A name=([ucspitlsc]="-k localhost")

# both WANT ENV... -- PROG [OPTS] under -C, and a normal run of the same
# with prog, under the environment ENV (only), each exiting WANT with
# the same fatal line (-C's last, after its info lines)
both() {
  local want=$1 e=() a=(); shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do e+=("$1"); shift; done
  shift
  with_timeout 20 env -i PATH="$PATH" "${e[@]}" "$@" -C >"$T/check.out" 2>"$T/check.err" </dev/null
  local rc=$?
  assert_eq "$want" "$rc" "exit status of $* -C with [${e[*]}]"
  with_timeout 20 env -i PATH="$PATH" "${e[@]}" "$@" ${name[$1]:-} sh -c 'touch "$0"' "$T/ran" \
    >"$T/run.out" 2>"$T/run.err" 6</dev/null 7>/dev/null </dev/null
  rc=$?
  assert_eq "$want" "$rc" "exit status of $* (run) with [${e[*]}]"
  [ ! -e "$T/ran" ] || fail "prog ran: $* with [${e[*]}]"
  assert_eq 1 "$(wc -l <"$T/run.err")" "lines on stderr of a run of $* with [${e[*]}]"
  assert_eq "$(cat "$T/run.err")" "$(tail -n 1 "$T/check.err")" "the fatal line of $* -C and of a run, with [${e[*]}]"
}

both 100 -- ucspitlsc
both 96 "CAFILE=$T/none.pem" -- ucspitlsc
both 96 "CADIR=$T/none" -- ucspitlsc
both 96 "CAFILE=$CA" -- ucspitlsc -y
both 96 "CAFILE=$CA" "CERTFILE=$SRV_CERT" -- ucspitlsc -y
both 96 "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" -- ucspitlsd -y
both 96 "CERTFILE=$SRV_CERT" "KEYFILE=$SRV_KEY" -- ucspitlsd -Y
pass
