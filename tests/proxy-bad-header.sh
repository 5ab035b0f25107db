#!/bin/bash
# proxy-bad-header: with -p a header is never optional. A connection
# without one, or with a malformed, truncated or oversized one (v1 past
# 107 bytes, v2 past 4096 bytes after its first 16), an unknown version,
# command or family, TLVs that do not fit, or a header that is not
# complete within its bound (-K when shorter than 10 seconds): one line,
# "bad PROXY protocol header from IP:PORT: why", naming the real peer;
# exit 100; prog never runs; not one byte is sent, in either mode (no TLS
# alert either: the handshake never starts).
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# the malformed headers go to servers with the default bound (10 s), so
# that a loaded machine has time to deliver them; the late ones to
# servers where -K 3000 makes it 3 s
declare -A port count
server() {
  start_tcpserver "$1" "$APPS/record-exit" "$T/$1.status" ucspitlsd "${@:2}" -p touch "$T/marker"
  port[$1]=$PORT count[$1]=0
}
server delayed
server immediate -i
server stall -K 3000
server istall -i -K 3000

# bad NAME SERVER WHY proxyclient-args... -- one connection that must end
# with exit 100 and the line that says WHY (or WHY's second form, after
# a "|": a partial header that a loaded machine delivers late is still
# nothing when the bound comes)
bad() {
  local name=$1 srv=$2 why=$3 n line got cport
  shift 3
  n=$((count[$srv] += 1))
  with_timeout 40 "$PY" "$APPS/proxyclient.py" -p "${port[$srv]}" "$@" >"$T/$name.out" 2>&1 \
    || fail "$name: the client failed: $(tail -n 3 "$T/$name.out")"
  cport=$(sed -n 's/^port //p' "$T/$name.out")
  wait_lines "$T/$srv.status" "$n" 30
  assert_eq "exit 100" "$(sed -n "${n}p" "$T/$srv.status")" "$name: exit status"
  wait_lines "$T/$srv.err" "$n" 10
  line=$(sed -n "${n}p" "$T/$srv.err")
  case $why in
    *'|'*) [ "$line" = "ucspitlsd: fatal: bad PROXY protocol header from 127.0.0.1:$cport: ${why%|*}" ] && why=${why%|*} || why=${why#*|} ;;
  esac
  assert_eq "ucspitlsd: fatal: bad PROXY protocol header from 127.0.0.1:$cport: $why" "$line" "$name: the line"
  got=$(sed -n 's/^received //p' "$T/$name.out")
  assert_eq "" "$got" "$name: bytes sent to the client"
  [ ! -e "$T/marker" ] || fail "$name: prog ran"
}

sig=0d0a0d0a000d0a515549540a
nosig="no PROXY protocol signature"
bad plaintext delayed "$nosig" --raw "" plain 'EHLO client.example\r\n'
bad clienthello delayed "$nosig" --raw 16030100c4010000c00303 none
bad sig-last-byte delayed "$nosig" --raw 0d0a0d0a000d0a515549540b21110000 none
bad lowercase delayed "$nosig" --raw "" plain 'proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n'
bad v1-truncated delayed "the connection ended inside the header" --raw "" plain 'PROXY TCP4 192.0.2.7'
bad empty delayed "the connection ended before the header" --raw "" none
f=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
bad v1-108 delayed "v1 line longer than 107 bytes" --v1 "UNKNOWN $f $f 65535 655351" none
bad v1-no-cr delayed "v1 line does not end with CRLF" --raw "" plain 'PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n'
bad v1-tcp5 delayed "v1 protocol is not TCP4, TCP6 or UNKNOWN" --v1 "TCP5 192.0.2.1 192.0.2.2 1 2" none
bad v1-family delayed "v1 address is not valid for its protocol" --v1 "TCP4 2001:db8::1 192.0.2.2 1 2" none
bad v1-octet delayed "v1 address is not valid for its protocol" --v1 "TCP4 192.0.2.256 192.0.2.2 1 2" none
bad v1-leading-zero delayed "v1 address is not valid for its protocol" --v1 "TCP4 192.0.2.01 192.0.2.2 1 2" none
bad v1-ip6 delayed "v1 address is not valid for its protocol" --v1 "TCP6 2001:db8:::1 ::1 1 2" none
bad v1-port delayed "v1 port is not a number from 0 to 65535" --v1 "TCP4 192.0.2.1 192.0.2.2 65536 2" none
bad v1-port-sign delayed "v1 port is not a number from 0 to 65535" --v1 "TCP4 192.0.2.1 192.0.2.2 1 +2" none
bad v1-fields delayed "v1 line does not have six fields" --v1 "TCP4 192.0.2.1 192.0.2.2 1" none
bad v1-trailing-space delayed "v1 line does not have six fields" --v1 "TCP4 192.0.2.1 192.0.2.2 1 2 " none
bad v1-spaces delayed "v1 line does not have six fields" --v1 "TCP4 192.0.2.1  192.0.2.2 1 2" none
bad v1-control delayed "v1 line has a control or non-ASCII byte" --v1 $'TCP4 192.0.2.1\t192.0.2.2 1 2' none
bad v2-len delayed "v2 length over 4096 bytes" --len 4097 --v2 proxy 0x11 192.0.2.1 192.0.2.2 1 2 hold
bad v2-version delayed "v2 version is not 2" --v2 0x11 0x11 192.0.2.1 192.0.2.2 1 2 none
bad v2-command delayed "v2 command is neither LOCAL nor PROXY" --v2 0x22 0x11 192.0.2.1 192.0.2.2 1 2 none
bad v2-unix delayed "v2 family is not TCP over IPv4 or IPv6" --v2 proxy 0x31 - - 0 0 none
bad v2-udp delayed "v2 family is not TCP over IPv4 or IPv6" --v2 proxy 0x12 192.0.2.1 192.0.2.2 1 2 none
bad v2-short delayed "v2 length is too short for the addresses" --len 8 --v2 proxy 0x11 192.0.2.1 192.0.2.2 1 2 none
bad v2-short6 delayed "v2 length is too short for the addresses" --v2 proxy 0x21 192.0.2.1 192.0.2.2 1 2 none
bad v2-tlv delayed "v2 TLVs do not fit the length" --tlv 10 --len 21 --v2 proxy 0x11 192.0.2.1 192.0.2.2 1 2 none
bad v2-truncated delayed "the connection ended inside the header" --len 100 --v2 proxy 0x11 192.0.2.1 192.0.2.2 1 2 none
bad v2-truncated-sig delayed "the connection ended inside the header" --raw "${sig:0:16}" none
# the bound: -K 3000 there
bad stall-nothing stall "nothing after 3000 ms" --raw "" hold
bad stall-v1 stall "incomplete after 3000 ms|nothing after 3000 ms" --chunk 3 --raw "$(printf 'PROXY TCP4 192.0.2.7 ' | od -An -tx1 -v | tr -d ' \n')" hold
bad stall-v2 stall "incomplete after 3000 ms|nothing after 3000 ms" --len 50 --v2 proxy 0x11 192.0.2.1 192.0.2.2 1 2 hold
# immediate mode: the same, and no TLS alert
bad i-plaintext immediate "$nosig" --raw "" plain 'GET / HTTP/1.0\r\n\r\n'
bad i-clienthello immediate "$nosig" --raw 16030100c4010000c00303 none
bad i-v2-family immediate "v2 family is not TCP over IPv4 or IPv6" --v2 proxy 0x22 2001:db8::1 ::1 1 2 none
bad i-stall istall "nothing after 3000 ms" --raw "" hold

# with no TCPREMOTEIP (inetd, systemd's sockets), the socket names the peer
start_tcpserver noenv "$APPS/record-exit" "$T/noenv.status" env -u TCPREMOTEIP -u TCPREMOTEPORT ucspitlsd -p touch "$T/marker"
with_timeout 40 "$PY" "$APPS/proxyclient.py" -p "$PORT" --raw "" plain 'EHLO x\r\n' >"$T/noenv.out" 2>&1 || fail "the client failed"
wait_lines "$T/noenv.status" 1 30
assert_eq "exit 100" "$(cat "$T/noenv.status")" "exit status with no TCPREMOTEIP"
assert_eq "ucspitlsd: fatal: bad PROXY protocol header from 127.0.0.1:$(sed -n 's/^port //p' "$T/noenv.out"): $nosig" \
  "$(cat "$T/noenv.err")" "the line with no TCPREMOTEIP"

# the bound without -K (60 s): 10 seconds
bad default-bound delayed "nothing after 10000 ms" --raw "" hold
wait_no_ucspitlsd
pass
