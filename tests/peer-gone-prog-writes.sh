#!/bin/bash
# peer-gone-prog-writes: the peer goes (RST, or closes with our data
# unread) while prog writes for ever.  Once writing to the network fails
# (EPIPE or ECONNRESET), the TLS child stops reading prog: prog's pipe is
# closed, so that prog's next write fails with EPIPE, promptly (within
# 3 s of the peer's close: the man page says a second or two); the child
# exits 98 with one line,
#   ucspitlsd: fatal: TLS connection failed: network error: Broken pipe
# (or "Connection reset by peer"), then the -v2 line with end=error; it
# never spins meanwhile (its CPU time, from wait4, stays under 1 s, where
# one that read and discarded prog's output would burn all of the 15 s
# that prog gives it).  prog is tests/apps/write-forever.py; the peers:
#   Python's ssl reading 1000 bytes, then: a TCP half-close and a close
#   (a client that stops reading and leaves), a close, an RST -- immediate and delayed mode;
#   curl | head -c 1000, the everyday case (an HTTP reply for ever).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# server NAME OPTS... [-- HEAD] -- ucspitlsd -v2 OPTS write-forever.py
server() {
  local name=$1 opts=() head=""; shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && head=$2
  start_tcpserver "$name" ucspitlsd -v2 "${opts[@]}" "$PY" "$APPS/write-forever.py" "$T/$name.report" "$head"
}

# check NAME GONE -- prog's write failed with EPIPE at most 3 s after the
# peer went (time GONE), the TLS child exited 98 quickly, saying so
check() {
  local name=$1 gone=$2 r=$T/$1.report endl
  wait_file "$r" 40
  endl=$(sed -n 's/^end //p' "$r")
  case $endl in
    EPIPE\ *) ;;
    *) fail "$name: prog's writes did not end with EPIPE: [$endl] ($(tr '\n' ' ' <"$r"))" ;;
  esac
  awk -v t="${endl#EPIPE }" -v g="$gone" 'BEGIN { exit !(t - g < 3) }' \
    || fail "$name: prog got EPIPE $(awk -v t="${endl#EPIPE }" -v g="$gone" 'BEGIN { printf "%.1f", t - g }') s after the peer went"
  assert_eq "exit 98" "$(sed -n 's/^tls //p' "$r")" "$name: TLS child status"
  awk '$1 == "cpu" { exit !($2 < 1.0) }' "$r" || fail "$name: the TLS child used $(sed -n 's/^cpu //p' "$r") s of CPU"
  wait_lines "$T/$name.err" 2 10
  sleep 0.2
  assert_eq 2 "$(wc -l <"$T/$name.err")" "$name: lines on stderr"
  sed -n 1p "$T/$name.err" | untail | grep -qE '^ucspitlsd: fatal: TLS connection failed: network error: (Broken pipe|Connection reset by peer)$' \
    || fail "$name: not the network error line: $(sed -n 1p "$T/$name.err")"
  sed -n 2p "$T/$name.err" | grep -qE '^ucspitlsd: info: peer=.* end=error$' \
    || fail "$name: not an end=error -v2 line: $(sed -n 2p "$T/$name.err")"
}

# python NAME HOW [--starttls] -- read-little.py against server NAME
python() {
  local name=$1 how=$2; shift 2
  with_timeout 30 "$PY" "$APPS/read-little.py" -p "$PORT" --ca "$CA" --how "$how" "$@" >"$T/$name.client" 2>&1 \
    || fail "$name: client: $(cat "$T/$name.client")"
  check "$name" "$(sed -n 's/^gone //p' "$T/$name.client")"
}

for how in halfclose close reset; do
  server "imm_$how" -i
  python "imm_$how" "$how"
  server "del_$how"
  python "del_$how" "$how" --starttls
done

# curl | head: curl ends when head does; the reply is an endless body
server curl -i -- 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n'
# shellcheck disable=SC2016  # for the inner shell
with_timeout 30 bash -c 'curl -s --cacert "$1" "https://localhost:$2/" | head -c 1000 >/dev/null; date +%s.%N' \
  curlhead "$CA" "$PORT" >"$T/curl.client" 2>&1 || fail "curl | head: $(cat "$T/curl.client")"
check curl "$(tail -n 1 "$T/curl.client")"
wait_no_ucspitlsd
pass
