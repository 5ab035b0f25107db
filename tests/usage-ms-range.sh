#!/bin/bash
# usage-ms-range: -K and -I take milliseconds up to 2147483647 (INT_MAX,
# about 24.8 days).  A larger value would leave the deadline undefined (a
# stalled handshake then is never dropped), so it is a usage error: exit
# 100 with the usage line, prog never runs; both programs, for
# 2147483648, 3000000000, 4294967295 (which fit an unsigned int),
# 4294967296 and 99999999999 (which do not).  2147483647 itself is
# accepted, and works: a session under `-K 2147483647 -I 2147483647`
# echoes a line and ends ok, on each side.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY CAFILE=$CA

# try PROG OPTS... -- PROG OPTS touch $T/ran; sets rc
try() {
  local prog=$1; shift
  rm -f "$T/ran"
  timeout --foreground -k 2 20 "$prog" "$@" touch "$T/ran" </dev/null 6</dev/null 7>/dev/null >"$T/out" 2>"$T/err"
  rc=$?
}

for v in 2147483648 3000000000 4294967295 4294967296 99999999999; do
  for opt in -K -I; do
    for p in "ucspitlsd" "ucspitlsc -k localhost"; do
      # shellcheck disable=SC2086  # $p: the program and its required option
      try $p "$opt" "$v"
      assert_eq 100 "$rc" "exit status of: $p $opt $v"
      grep -q "^${p%% *}: usage: ${p%% *} " "$T/err" || fail "no usage line for: $p $opt $v -- [$(cat "$T/err")]"
      [ ! -e "$T/ran" ] || fail "prog ran for: $p $opt $v"
    done
  done
done

for p in "ucspitlsd" "ucspitlsc -k localhost"; do
  # shellcheck disable=SC2086
  try $p -K 2147483647 -I 2147483647
  assert_eq 0 "$rc" "exit status of: $p -K 2147483647 -I 2147483647 ($(cat "$T/err"))"
  [ -e "$T/ran" ] || fail "prog did not run for: $p -K 2147483647 -I 2147483647"
done

# the largest value in a real session, on each side
hostile_server max -i -K 2147483647 -I 2147483647
hostile max empty-app --count 1 --timeout 10
assert_file_contains "$T/max.client" "echo after the empty records" "client output"
wait_lines "$T/max.child" 1 30
assert_eq "exit 0" "$(status_line "$T/max.child")" "ucspitlsd -K/-I 2147483647: TLS child status"
assert_file_contains "$T/max.err" " end=ok" "ucspitlsd's -v2 line"

start_tcpserver echo ucspitlsd -i cat
with_timeout 30 tcpclient -RHl0 127.0.0.1 "$PORT" \
  ucspitlsc -v2 -i -K 2147483647 -I 2147483647 -k localhost \
  sh -c 'printf "max ms\n" >&7; exec 7>&-; exec cat <&6' >"$T/c.out" 2>"$T/c.err" \
  || fail "ucspitlsc -K/-I 2147483647: session failed: $(cat "$T/c.err")"
assert_eq "max ms" "$(cat "$T/c.out")" "what came back"
assert_file_contains "$T/c.err" " end=ok" "ucspitlsc's -v2 line"
wait_no_ucspitlsd
pass
