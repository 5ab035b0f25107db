#!/bin/bash
# close-notify-framing: a peer's close_notify is held back until prog has
# finished writing, however the peer's records frame it.  prog reads to
# end-of-file, then answers; the peer sends a request and its
# close_notify in one write, the close_notify alone in its record, split
# into two one-byte alert records (TLS 1.2 allows fragmented alerts),
# coalesced behind 34 warnings in one 70-byte record, or a warning and
# the close_notify's first byte in one record and its second byte in the
# next.  Each time the peer gets the whole answer, then our close_notify,
# and the -v2 line counts what prog wrote.  ucspitlsd against a client
# (tests/apps/minitls), then ucspitlsc against a server
# (tests/apps/miniserver, with the RSA pair).
. "$(dirname "$0")/lib.sh"
certs

for how in plain split coalesced split-warn; do
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$how" \
    ucspitlsd -v2 -i sh -c 'n=$(wc -c | tr -d " ") ; sleep 0.2 ; echo "got $n bytes"'
  with_timeout 60 "$PY" "$APPS/notify-framing.py" -p "$PORT" "$how" >"$T/$how.client" 2>&1 \
    || fail "$how: the peer failed: $(tr '\n' '|' <"$T/$how.client")"
  assert_eq 'got 8 bytes\n' "$(sed -n 's/^reply //p' "$T/$how.client")" "$how: what the peer got"
  assert_eq close_notify "$(sed -n 's/^end //p' "$T/$how.client")" "$how: how the connection ended"
  wait_lines "$T/$how.err" 1 30
  grep -qE '^ucspitlsd: info: peer=.* in=8 out=12 .*end=ok$' "$T/$how.err" \
    || fail "$how: not an end=ok -v2 line with in=8 out=12: $(cat -v "$T/$how.err")"
  stop "$how"
done

for how in plain split coalesced split-warn; do
  start_bg "c-$how" "$PY" "$APPS/notify-framing.py" -s "$T/c-$how.port" -c "$RSA_CERT" -k "$RSA_KEY_PKCS1" "$how"
  wait_file "$T/c-$how.port"
  CAFILE=$CA with_timeout 60 tcpclient -RHl0 127.0.0.1 "$(cat "$T/c-$how.port")" \
    ucspitlsc -v2 -i -k localhost sh -c 'n=$(wc -c <&6 | tr -d " ") ; sleep 0.2 ; echo "got $n bytes" >&7' \
    2>"$T/c-$how.cerr" || fail "c-$how: the client side failed: $(tr '\n' '|' <"$T/c-$how.cerr")"
  wait_lines "$T/c-$how.out" 2 30
  assert_eq 'got 8 bytes\n' "$(sed -n 's/^reply //p' "$T/c-$how.out")" "c-$how: what the server got"
  assert_eq close_notify "$(sed -n 's/^end //p' "$T/c-$how.out")" "c-$how: how the connection ended"
  wait_lines "$T/c-$how.cerr" 1 30
  grep -qE '^ucspitlsc: info: peer=.* in=8 out=12 .*end=ok$' "$T/c-$how.cerr" \
    || fail "c-$how: not an end=ok -v2 line with in=8 out=12: $(cat -v "$T/c-$how.cerr")"
done
wait_no_ucspitlsd
pass
