#!/bin/bash
# load-500: 500 concurrent TLS connections through `tcpserver -c 600` and
# `ucspitlsd -i cat`: all 500 are open at the same time (the client holds
# each until every one is up, and tcpserver's own count reaches 500), each
# echoes 20000 pseudo-random bytes exactly; afterwards tcpserver has no
# child left, no ucspitlsd runs, tcpserver says 0 connections, and it
# holds exactly the fds it held before.  $LOAD_CONNECTIONS overrides 500.
. "$(dirname "$0")/lib.sh"
certs
n=${LOAD_CONNECTIONS:-500}

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TCPSERVER_OPTS="-v -c 600" start_tcpserver load ucspitlsd -i cat
pid=$PID_load
assert_eq tcpserver "$(cat "/proc/$pid/comm")" "the process started as load"
fds() { ls "/proc/$pid/fd" | sort -n | tr '\n' ' '; }
before=$(fds)

with_timeout 110 "$PY" "$APPS/loadclient.py" -p "$PORT" -n "$n" --ca "$CA" --timeout 100 >"$T/client.log" 2>&1 \
  || fail "load client: $(head -n 25 "$T/client.log")"
assert_file_contains "$T/client.log" "ok $n failed 0" "client summary"
peak=$(sed -n 's/^tcpserver: status: \([0-9]*\)\/600$/\1/p' "$T/load.err" | sort -n | tail -n 1)
[ "${peak:-0}" -ge "$n" ] || fail "tcpserver never had $n connections at once (peak ${peak:-none})"

childless() { [ -z "$(_children "$pid")" ]; }
wait_for 60 childless || fail "tcpserver still has children: $(_children "$pid" | head | tr '\n' ' ')"
wait_no_ucspitlsd 30
wait_for 10 sh -c "tail -n 1 '$T/load.err' | grep -q 'status: 0/600'" \
  || fail "tcpserver's last status is not 0/600: $(tail -n 1 "$T/load.err")"
assert_eq "$before" "$(fds)" "tcpserver's fds before and after"
say "$(cat "$T/client.log")"
pass
