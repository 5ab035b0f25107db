#!/bin/bash
# lib-stop: the helpers' stop (and so cleanup, which stops every group a
# test started) kills the whole process group, even a member that ignores
# SIGTERM after the group's leader has gone: stop must see it there (from
# /proc, with no tool that may be missing) and send SIGKILL.
. "$(dirname "$0")/lib.sh"

start_bg g bash -c '(trap "" TERM; exec sleep 300) & echo $! >"$1"; wait' g "$T/child.pid"
wait_file "$T/child.pid"
child=$(cat "$T/child.pid")
[ "$(_pstate "$child")" = S ] || fail "the group's member $child is not sleeping"
assert_eq "$PID_g" "$(read -r st <"/proc/$child/stat"; set -- ${st##*) }; echo "$3")" "the member's process group"
stop g
_gone "$PID_g" || fail "the group's leader $PID_g is still there"
_gone "$child" || fail "stop left the group's member $child running: $(tr '\0' ' ' <"/proc/$child/cmdline")"
pass
