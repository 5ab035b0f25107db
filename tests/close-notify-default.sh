#!/bin/bash
# close-notify-default: how a session ends by default (-s), both
# programs.  Once prog can receive nothing more -- it has exited, or
# closed its input as well as its output -- the TLS child sends
# close_notify before its TCP half-close: a peer that reads to the end
# sees an orderly end, not a truncation.  A prog that closes its output
# while it still reads gets the bare half-close, so that the peer (which
# may end its whole session on a close_notify) can still answer, and
# prog reads the answer.
. "$(dirname "$0")/lib.sh"
certs

# peer_says NAME END: the peer's output has "got hello\n" and "end END"
peer_says() {
  assert_eq 'hello\n' "$(sed -n 's/^got //p' "$T/$1.client")" "$1: what the peer got"
  assert_eq "$2" "$(sed -n 's/^end //p' "$T/$1.client")" "$1: how the peer saw the end"
}

# server side: prog exits; prog closes both ends and lingers; prog closes
# its output and reads on (and the same with an idle timeout, whose
# deadline must not hide the end of the wait for prog's input)
n=0
for prog in 'echo hello' 'echo hello ; exec <&- >&- ; sleep 2' 'echo hello ; exec >&- ; cat >"$0"' \
    '-I 20000 echo hello ; exec >&- ; cat >"$0"'; do
  n=$((n + 1))
  iopt=()
  case $prog in -I*) iopt=(-I 20000) prog=${prog#-I 20000 } ;; esac
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "s$n" ucspitlsd -v2 -i "${iopt[@]}" sh -c "$prog" "$T/s$n.read"
  if [ "$n" -ge 3 ]; then
    with_timeout 60 "$PY" "$APPS/end-peer.py" client "$PORT" answer >"$T/s$n.client" 2>&1
  else
    with_timeout 60 "$PY" "$APPS/end-peer.py" client "$PORT" >"$T/s$n.client" 2>&1
  fi || fail "s$n: the peer failed: $(tr '\n' '|' <"$T/s$n.client")"
  wait_lines "$T/s$n.err" 1 30
  grep -qE '^ucspitlsd: info: peer=.* out=6 .*end=ok$' "$T/s$n.err" || fail "s$n: not an end=ok -v2 line: $(cat -v "$T/s$n.err")"
  stop "s$n"
done
peer_says s1 close_notify
peer_says s2 close_notify
peer_says s3 eof
assert_eq answer "$(cat "$T/s3.read")" "s3: what prog read after closing its output"
peer_says s4 eof
assert_eq answer "$(cat "$T/s4.read")" "s4: what prog read after closing its output"

# the client side: prog exits; prog closes its output and reads on
n=0
for prog in 'echo hello >&7' 'echo hello >&7 ; exec 7>&- ; cat <&6 >"$0"'; do
  n=$((n + 1))
  start_bg "c$n" "$PY" "$APPS/end-peer.py" server "$T/c$n.port" "$SRV_CERT" "$SRV_KEY"
  wait_file "$T/c$n.port"
  CAFILE=$CA with_timeout 60 tcpclient -RHl0 127.0.0.1 "$(cat "$T/c$n.port")" \
    ucspitlsc -v2 -i -k localhost sh -c "$prog" "$T/c$n.read" 2>"$T/c$n.cerr" \
    || fail "c$n: the client side failed: $(tr '\n' '|' <"$T/c$n.cerr")"
  wait_lines "$T/c$n.out" 2 30
  cp "$T/c$n.out" "$T/c$n.client"
  wait_lines "$T/c$n.cerr" 1 30
  grep -qE '^ucspitlsc: info: peer=.* end=ok$' "$T/c$n.cerr" || fail "c$n: not an end=ok -v2 line: $(cat -v "$T/c$n.cerr")"
done
peer_says c1 close_notify
peer_says c2 eof
wait_no_ucspitlsd
pass
