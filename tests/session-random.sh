#!/bin/bash
# test-timeout: 900
# session-random: random sequences of session events, and what they must
# come to.  SESSION_RUNS runs (default 300; `make check-long`: 2000), each
# a connection to `tcpserver ... ucspitlsd -v2 OPTIONS session-prog.py`
# whose whole plan is drawn from its own seed (tests/apps/session_plan.py):
# the server's options (-i or delayed mode, -s or -S, -j or -J), what prog
# does (reads everything, stops reading, reads nothing; writes a stream in
# random chunks and pauses, or for ever, before or after the peer's end;
# closes its output early or late; exits early), and what a scripted TLS
# peer (tests/apps/minitls) does: app data of random sizes, empty
# records, warning alerts, pauses, reading, an idle second, and an end --
# close_notify, a TCP half-close, a fatal alert, a flood of empty records,
# an RST, or silence.  From the plan, session_plan.expect works out what
# the documented behaviour allows; tests/apps/session-random.py plays the
# peer and checks, after each run, that every byte that had to arrive
# arrived, in order, both ways; that the TLS child's status and the -v2
# line say what they must; that no process of the run is alive a bounded
# time after both ends are done; and that the child never spins (its CPU
# time, in all and across an idle second).  See session-random.py for
# the list.
#
# SESSION_LANES runs go on at once (default 4); a lane stops after
# SESSION_MAXFAIL failures (default 3).  A failure prints itself at once,
# with its seed: SESSION_SEED=seed tests/run session-random replays that
# plan (SESSION_RUNS then defaults to 1), though not its timing;
# SESSION_SEEDS="seed seed..." replays several.
. "$(dirname "$0")/lib.sh"
certs

if [ -n "${SESSION_SEEDS:-}" ]; then
  read -ra all <<<"$SESSION_SEEDS"
elif [ -n "${SESSION_SEED:-}" ]; then
  mapfile -t all < <(seq "$SESSION_SEED" $(( SESSION_SEED + ${SESSION_RUNS:-1} - 1 )))
else
  base=$(( SRANDOM % 1000000000 ))
  mapfile -t all < <(seq "$base" $(( base + ${SESSION_RUNS:-300} - 1 )))
fi
runs=${#all[@]}
lanes=${SESSION_LANES:-4}
maxfail=${SESSION_MAXFAIL:-3}
(( lanes > runs )) && lanes=$runs
say "session-random: $runs runs from seed ${all[0]}, $lanes at a time"

t0=$SECONDS
lpids=()
for (( k = 0; k < lanes; k++ )); do
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "lane$k" \
    "$APPS/session-serve" "$T/lane$k.cur" "$PY"
  seeds=()
  for (( i = k; i < runs; i += lanes )); do seeds+=("${all[$i]}"); done
  "$PY" "$APPS/session-random.py" "$T" "$T/lane$k.cur" "$PORT" "$maxfail" "${seeds[@]}" >"$T/lane$k.list" &
  lpids+=("$!")
done
for p in "${lpids[@]}"; do wait "$p"; done
elapsed=$(( SECONDS - t0 ))

cat "$T"/lane*.list >"$T/all.list"
done_=$(wc -l <"$T/all.list")
failed=$(grep -c '^FAIL' "$T/all.list")
ends=$(awk '$1 == "ok" { n[$4 " " $5]++ } END { for (e in n) printf "%s %d, ", e, n[e] }' "$T/all.list" | sed 's/, $//')
slowest=$(awk '$1 == "ok" && $3 > m { m = $3 } END { print m + 0 }' "$T/all.list")
say "session-random: $done_ runs in ${elapsed}s, $failed failed; passed, by the peer's end and the TLS child's status: $ends; slowest run ${slowest}s"
[ -s "$T/slow.log" ] && say "session-random: runs over 5 s: $(cat "$T/slow.log")"
if [ "$failed" != 0 ]; then
  fails=("$T"/run*.fail)
  cat "${fails[@]:0:3}" >&2   # again: a runner shows the end of the output
  fail "$failed of $done_ runs failed (a lane stops after $maxfail); replay one alone with SESSION_SEED=seed tests/run session-random: $(grep '^FAIL' "$T/all.list" | cut -d' ' -f2 | tr '\n' ' ')"
fi
[ "$done_" = "$runs" ] || fail "only $done_ of $runs runs reported"
pass
