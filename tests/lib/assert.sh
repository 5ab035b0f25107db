# tests/lib/assert.sh -- ending a test, assertions, bounded waits.
#
#   wait_file FILE [SECS]       wait until FILE exists and is not empty
#   wait_lines FILE N [SECS]    wait until FILE has at least N lines
#   wait_for SECS cmd...        wait until cmd succeeds
#   wait_gone PID [SECS]        wait until PID has exited
#   with_timeout SECS cmd...    run cmd, killed after SECS (exit 124; KILL 3 s
#                               later if it ignores TERM)
#   fail MSG / pass             end the test
#   skip REASON                 end the test as skipped (exit 77): what it
#                               needs cannot be had without harm to this
#                               machine (a package that would replace one
#                               of the user's); tests/run counts it.
#                               With UCSPITLS_NO_SKIP set (.ci/run), it fails
#   assert_eq EXPECTED ACTUAL [WHAT]
#   assert_contains HAYSTACK NEEDLE [WHAT]     (fixed string)
#   assert_not_contains HAYSTACK NEEDLE [WHAT]
#   assert_file_contains FILE NEEDLE [WHAT]
#   assert_file_not_contains FILE NEEDLE [WHAT]
#   say MSG                     print to stderr (the test's log)

say() { printf '%s\n' "$*" >&2; }

# Print the tail of every log the test's processes wrote: the context a
# reader of a failure needs.
_show_logs() {
  local f
  for f in "$T"/*.err "$T"/*.out "$T"/*.log; do
    [ -s "$f" ] || continue
    grep -qv '^[0-9]*$' "$f" || continue   # tcpserver's port number
    say "--- ${f##*/} (last 15 lines)"
    tail -n 15 "$f" | cat -v >&2
  done
}

fail() {
  _FAILED=1
  say "FAIL: $TESTNAME: $*"
  _show_logs
  exit 1
}

pass() {
  say "ok: $TESTNAME"
  exit 0
}

skip() {
  # CI owns its machine: there, a skipped test is a failed one
  [ -n "${UCSPITLS_NO_SKIP:-}" ] && fail "skipped, and UCSPITLS_NO_SKIP is set: $*"
  say "skip: $TESTNAME: $*"
  exit 77
}

assert_eq() {
  [ "$1" = "$2" ] || fail "${3:-value}: expected [$1], got [$2]"
}

assert_contains() {
  case $1 in *"$2"*) ;; *) fail "${3:-output} does not contain [$2]: [$1]" ;; esac
}

assert_not_contains() {
  case $1 in *"$2"*) fail "${3:-output} contains [$2]: [$1]" ;; esac
}

assert_file_contains() {
  [ -f "$1" ] || fail "${3:-$1}: no such file"
  grep -qF -- "$2" "$1" || fail "${3:-$1} does not contain [$2]: [$(cat -v "$1")]"
}

assert_file_not_contains() {
  [ -f "$1" ] || fail "${3:-$1}: no such file"
  if grep -qF -- "$2" "$1"; then fail "${3:-$1} contains [$2]: [$(cat -v "$1")]"; fi
}

# --foreground: stay in the test's process group, so that the runner's
# time-out signal reaches the command too
with_timeout() {
  local secs=$1; shift
  timeout --foreground -k 3 "$secs" "$@"
}

# wait_for SECS cmd... -- poll cmd every 20 ms until it succeeds.
wait_for() {
  local secs=$1; shift
  local deadline=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
  until "$@"; do
    (( ${EPOCHREALTIME/./} < deadline )) || return 1
    sleep 0.02
  done
}

_nonempty() { [ -s "$1" ]; }
_nlines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
# gone: no such process, or a zombie, or reaped between the two looks
# (kill -0 saw a zombie, and its parent took it before /proc was read)
_gone() {
  local s
  kill -0 "$1" 2>/dev/null || return 0
  s=$(_pstate "$1")
  [ -z "$s" ] || [ "$s" = Z ]
}
_pstate() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

wait_file() { wait_for "${2:-10}" _nonempty "$1" || fail "timed out waiting for $1"; }
wait_lines() { wait_for "${3:-10}" _nlines "$1" "$2" || fail "timed out waiting for $2 lines in $1"; }
wait_gone() { wait_for "${2:-10}" _gone "$1"; }
