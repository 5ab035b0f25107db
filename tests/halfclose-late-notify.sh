#!/bin/bash
# halfclose-late-notify: the side whose app closed its output first, while
# its stream is still on the way to a peer that has not read it yet, loses
# none of it when the peer's close_notify arrives first.
# The first side has sent everything it will send (shutdown or its own
# close_notify) and has delivered everything it received; it may end then,
# but not with the peer's alert unread in its socket: closing a socket with
# unread data makes the kernel answer with a reset, which throws away what
# is still in its send queue and makes the peer fail with "Connection reset
# by peer".  The first side's app writes 3 MB and closes at once; the
# peer's app waits 300 ms, writes 10 bytes, closes its output (with -S:
# close_notify) and only then starts reading.  Server first and client
# first, with -s and -S on the side that closes first, immediate and
# delayed mode.
. "$(dirname "$0")/lib.sh"
certs

halfclose_lane 0
n=0 failed=()
for first in server client; do
  for fS in -s -S; do
    for m in i d; do
      n=$((n + 1))
      mopt=$([ "$m" = i ] && echo "-i ")
      big="mode=$m len=3000000 seed=$n close=before chunk=4096:65536"
      late="mode=$m len=10 seed=$((n + 100)) close=before longpause=0:300 readafter=1"
      if [ "$first" = server ]; then
        copts="$mopt-S" sopts="$mopt$fS" capp=$late sapp=$big
      else
        copts="$mopt$fS" sopts="$mopt-S" capp=$big sapp=$late
      fi
      if ! halfclose_run 0 "run$n" "$copts" "$sopts" "$capp" "$sapp"; then
        say "FAIL run $n ($first closes first): client: ucspitlsc $copts -- $capp"
        say "                                 server: ucspitlsd $sopts -- $sapp"
        sed 's/^/  - /' "$T/run$n/why" >&2
        failed+=("$n")
      fi
    done
  done
done
[ "${#failed[@]}" = 0 ] || fail "${#failed[@]} of $n runs failed: ${failed[*]}"
pass
