#!/bin/bash
# halfclose-pause-reply: a client application that writes its request
# after a pause and then half-closes still receives the server's whole
# reply.  The client's app (tests/apps/halfclose-app.py) waits 300 ms,
# writes 3000 bytes in small writes, closes its output and reads; the
# server's app reads until end-of-file, and only then writes a 4 MiB
# reply and closes.  Every mode (immediate, delayed) on each side, -S and
# -s on each side, and -J wherever the peer ends with close_notify (the
# client's -S, or the server's -S or its engine's answer to the client's
# close_notify); a second pass has a client that reads its reply slowly.
# Each run: the bytes match at both ends (SHA-256), both TLS children exit
# 0 with an end=ok -v2 line, no process is left, within 30 s.
. "$(dirname "$0")/lib.sh"
certs

# four lanes at once: the client reading at full speed or slowly, in
# immediate or delayed mode
passes() {
  local lane=$1 slow=$2 cm=$3 n=0 sm cS sS copts sopts capp sapp id
  for sm in i d; do
    for cS in -S -s; do
      for sS in -S -s; do
        n=$((n + 1))
        id=$slow$cm.$n
        copts=$([ "$cm" = i ] && echo "-i ")$cS
        sopts=$([ "$sm" = i ] && echo "-i ")$sS
        # the client's peer ends with close_notify: the server's -S, or
        # its engine answering ours; the server's peer: only with -S
        if [ "$sS" = -S ] || [ "$cS" = -S ]; then copts="$copts -J"; else copts="$copts -j"; fi
        if [ "$cS" = -S ]; then sopts="$sopts -J"; else sopts="$sopts -j"; fi
        capp="mode=$cm len=3000 seed=$n close=before chunk=1:1024 longpause=0:300 pause=0.5:20"
        [ "$slow" = 1 ] && capp="$capp rpause=0.3:15"
        sapp="mode=$sm len=4194304 seed=$((n + 100)) close=after split=0 chunk=1024:262144"
        if halfclose_run "$lane" "run$id" "$copts" "$sopts" "$capp" "$sapp"; then
          echo "ok $id" >>"$T/results"
        else
          {
            echo "FAIL run $id: client: ucspitlsc $copts -- $capp"
            echo "              server: ucspitlsd $sopts -- $sapp"
            sed 's/^/  - /' "$T/run$id/why"
          } >"$T/run$id.fail"
          echo "FAIL $id" >>"$T/results"
        fi
      done
    done
  done
}

lpids=() k=0
for slow in 0 1; do
  for cm in i d; do
    halfclose_lane "$k"
    passes "$k" "$slow" "$cm" &
    lpids+=("$!")
    k=$((k + 1))
  done
done
wait "${lpids[@]}"
cat "$T"/*.fail >&2 2>/dev/null
[ "$(grep -c '^ok' "$T/results")" = 32 ] || fail "$(grep -c '^FAIL' "$T/results") of 32 runs failed: $(sed -n 's/^FAIL //p' "$T/results" | tr '\n' ' ')"
pass
