#!/bin/bash
# test-timeout: 600
# halfclose-random: no byte lost and no hang, whatever closes first.
# HALFCLOSE_RUNS runs (default 200; `make check-long`: 1000), each a
# connection from tcpclient + ucspitlsc to tcpserver + ucspitlsd with a
# configuration drawn from its own seed (tests/apps/halfclose-config.py):
# each side in immediate or delayed mode, -S or -s, -J or -j (-J only where
# the peer is sure to send close_notify), and an app on each end
# (tests/apps/halfclose-app.py) that writes a stream of random length
# (0 to 3 MiB, mostly small, sometimes empty) in writes of random sizes
# with random pauses, while it reads the peer's stream (or, sometimes, only
# once it has closed its output), and closes its output before or after it
# has seen the peer's end: the client first, the server first, or both at
# once (sometimes exactly at once: a barrier between the two apps).  Both
# apps cannot wait for each other's end: that would be their deadlock, not
# the copy loop's.  Each app hashes what it sent and what it received; the
# two ends must agree byte for byte, both TLS children must exit 0 with an
# end=ok -v2 line counting the right bytes, no process of the run may be
# left, and each run must end within 30 s.
#
# HALFCLOSE_LANES runs go on at once (default 4).  A failure names the
# run's seed: HALFCLOSE_SEED=seed tests/run halfclose-random replays that
# configuration (HALFCLOSE_RUNS then defaults to 1), though not its timing.
. "$(dirname "$0")/lib.sh"
certs

if [ -n "${HALFCLOSE_SEED:-}" ]; then
  base=$HALFCLOSE_SEED runs=${HALFCLOSE_RUNS:-1}
else
  base=$(( SRANDOM % 1000000000 )) runs=${HALFCLOSE_RUNS:-200}
fi
lanes=${HALFCLOSE_LANES:-4}
(( lanes > runs )) && lanes=$runs
say "halfclose-random: $runs runs from seed $base, $lanes at a time"

"$PY" "$APPS/halfclose-config.py" "$base" "$runs" >"$T/configs" || fail "halfclose-config.py failed"
mapfile -t configs <"$T/configs"

# _closed_first DIR -- set `first` to which app closed its output first, as
# the apps saw it (eofatclose: the peer's end had come when it closed):
# client, server, both (neither had seen the other's end), or "neither?"
# (impossible)
_closed_first() {
  local k v c='' s=''
  while read -r k v; do [ "$k" = eofatclose ] && c=$v; done <"$1/c.res"
  while read -r k v; do [ "$k" = eofatclose ] && s=$v; done <"$1/s.res"
  case $c$s in 01) first=client ;; 10) first=server ;; 00) first=both ;; *) first="neither?" ;; esac
}

# lane K does runs K, K+lanes, ...; each line of $T/laneK.list says
# "ok SEED ORDER SECONDS FIRST" or "FAIL SEED ORDER"
lane() {
  local k=$1 i seed order copts sopts capp sapp t0 t first
  for (( i = k; i < runs; i += lanes )); do
    IFS='|' read -r seed order copts sopts capp sapp <<<"${configs[$i]}"
    t0=${EPOCHREALTIME/./}
    if halfclose_run "$k" "run$seed" "$copts" "$sopts" "$capp" "$sapp"; then
      t=$(( ${EPOCHREALTIME/./} - t0 ))
      _closed_first "$T/run$seed"
      printf 'ok %s %s %d.%03d %s\n' "$seed" "$order" $(( t / 1000000 )) $(( t / 1000 % 1000 )) \
        "$first" >>"$T/lane$k.list"
      rm -rf "$T/run$seed"
    else
      {
        printf 'FAIL seed=%s order=%s\n' "$seed" "$order"
        printf '  client: ucspitlsc %s -- app %s\n' "$copts" "$capp"
        printf '  server: ucspitlsd %s -- app %s\n' "$sopts" "$sapp"
        sed 's/^/  - /' "$T/run$seed/why"
      } >"$T/run$seed.fail"
      cat "$T/run$seed.fail" >&2
      printf 'FAIL %s %s\n' "$seed" "$order" >>"$T/lane$k.list"
    fi
  done
}

t0=$SECONDS
lpids=()
for (( k = 0; k < lanes; k++ )); do
  halfclose_lane "$k"
  : >"$T/lane$k.list"
  lane "$k" &
  lpids+=("$!")
done
for p in "${lpids[@]}"; do wait "$p"; done
elapsed=$(( SECONDS - t0 ))

cat "$T"/lane*.list >"$T/all.list"
done_=$(wc -l <"$T/all.list")
failed=$(grep -c '^FAIL' "$T/all.list")
summary=$(awk '{ n[$3]++; if ($1 == "FAIL") f[$3]++ }
  END { for (o in n) printf "%s %d%s, ", o, n[o], f[o] ? " (" f[o] " failed)" : "" }' "$T/all.list" | sed 's/, $//')
actual=$(awk '$1 == "ok" { n[$5]++ } END { for (o in n) printf "%s %d, ", o, n[o] }' "$T/all.list" | sed 's/, $//')
slowest=$(awk '$1 == "ok" && $4 > m { m = $4 } END { print m + 0 }' "$T/all.list")
# what the configurations covered
covered=$(awk -F'|' '
  function m(o) { return (" " o " ") ~ / -i / ? "i" : "d" }
  function S(o) { return (" " o " ") ~ / -S / ? "S" : "s" }
  { combo[m($3) S($3) m($4) S($4)] = 1
    if ((" " $3 " ") ~ / -J /) cj++
    if ((" " $4 " ") ~ / -J /) sj++
    if ($5 ~ /readafter=1/ || $6 ~ /readafter=1/) ra++
    if ($5 ~ /len=0 / || $6 ~ /len=0 /) z++ }
  END { for (c in combo) nc++
    printf "%d of 16 mode and -S/-s pairs, -J on the client %d times, on the server %d, an app reading only after closing %d, an empty stream %d", nc, cj, sj, ra, z }' "$T/configs")
say "halfclose-random: covered $covered"
say "halfclose-random: $done_ runs in ${elapsed}s, $failed failed; by plan: $summary; closed first, as the apps saw it: $actual; slowest run ${slowest}s"
[ "$done_" = "$runs" ] || fail "only $done_ of $runs runs reported"
if grep -q '^ok .* neither?$' "$T/all.list"; then fail "both apps saw the other's end before closing: $(grep '^ok .* neither?$' "$T/all.list")"; fi
if [ "$failed" != 0 ]; then
  # the first few in full again: a runner shows the end of the output
  fails=("$T"/run*.fail)
  cat "${fails[@]:0:3}" >&2
  fail "$failed of $runs runs failed; replay one with HALFCLOSE_SEED=seed: $(grep '^FAIL' "$T/all.list" | cut -d' ' -f2 | tr '\n' ' ')"
fi
pass
