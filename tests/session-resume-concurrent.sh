#!/bin/bash
# session-resume-concurrent: 8 clients at once, each resuming its own
# session over and over through one store (RESUME_CONNS connections
# each, default 320: 2560 in all). Every resumption happens (every
# connection but each client's first is "reused"), and none is made with
# a wrong secret: each connection reads its facts through the session,
# which fails when the two sides' keys differ. The TLS children all exit
# 0 and the store keeps its size.
. "$(dirname "$0")/lib.sh"
certs

n=${RESUME_CONNS:-320}
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TLS_SESSION_CACHE=$T/store
TCPSERVER_OPTS="-c 40" start_tcpserver srv ucspitlsd -i -v2 "$APPS/facts-say"
expect=n$(printf 'r%.0s' $(seq 2 "$n"))
pids=()
for c in 1 2 3 4 5 6 7 8; do
  "$PY" "$APPS/resume-client.py" -p "$PORT" --ca "$CA" --sni localhost -n "$n" --expect "$expect" --timeout 120 \
    >"$T/c$c.log" 2>"$T/c$c.err" &
  pids+=($!)
done
failed=
for i in "${!pids[@]}"; do
  wait_for 900 _gone "${pids[$i]}" || fail "client $((i + 1)) did not end"
  wait "${pids[$i]}" || failed="$failed $((i + 1))"
done
[ -z "$failed" ] || fail "clients$failed: $(cat "$T"/c*.err | head -n 5)"
for c in 1 2 3 4 5 6 7 8; do
  assert_eq "$((n - 1))" "$(grep -c '^conn [0-9]* reused=yes' "$T/c$c.log")" "client $c: resumed connections"
  assert_eq "$n" "$(grep -c '^S: SSL_PROTOCOL=TLSv1.2$' "$T/c$c.log")" "client $c: facts read through the session"
done
wait_for 60 _nlines "$T/srv.err" $((8 * n)) || fail "-v2 lines: $(wc -l <"$T/srv.err")"
assert_eq $((8 * (n - 1))) "$(grep -c ' resumed=yes .* end=ok$' "$T/srv.err")" "resumed sessions in the -v2 lines"
assert_eq $((8 * n)) "$(grep -c ' end=ok$' "$T/srv.err")" "connections that ended ok"
assert_eq 1049088 "$(stat -c %s "$T/store")" "the store's size"
pass
