#!/bin/bash
# proxy-header: ucspitlsd -p reads the PROXY protocol header that a
# balancer writes before the client's first byte, version 1 or 2, and not
# one byte more, whether it comes in one piece or byte by byte and
# whatever follows it at once: plaintext that prog reads itself (delayed
# mode), a ClientHello (immediate mode). The header's addresses replace
# TCPREMOTEIP/PORT and TCPLOCALIP/PORT, TCPREMOTEHOST and TCPREMOTEINFO
# go, the connection's own addresses stay in PROXYREMOTE*/PROXYLOCAL*,
# and the -v2 log line names the client. LOCAL (v2), UNKNOWN (v1) and
# the UNSPEC family keep the addresses. TLVs are passed over; the
# largest header (v2, 4096 bytes after the first 16; v1, 107 bytes) is
# taken.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# prog: its environment to $T/env.PORT (PORT: the client's own port, in
# PROXYREMOTEPORT), then an echo of what it reads
# shellcheck disable=SC2016  # expanded by that sh
prog=(sh -c 'e=$0/env.$PROXYREMOTEPORT; env | sort >"$e.tmp" && mv "$e.tmp" "$e"; exec cat' "$T")
balancer=(env TCPREMOTEHOST=balancer.example TCPREMOTEINFO=ident)
start_tcpserver delayed "${balancer[@]}" ucspitlsd -v2 -p "${prog[@]}"
dport=$PORT
start_tcpserver immediate "${balancer[@]}" ucspitlsd -v2 -i -p "${prog[@]}"
iport=$PORT

# run NAME PORT proxyclient-args... -- sets cport, the client's port
run() {
  local name=$1 port=$2; shift 2
  with_timeout 40 "$PY" "$APPS/proxyclient.py" -p "$port" --ca "$CA" "$@" >"$T/$name.out" 2>&1 \
    || fail "$name: the client failed: $(tail -n 3 "$T/$name.out")"
  cport=$(sed -n 's/^port //p' "$T/$name.out")
  wait_file "$T/env.$cport" 20
}

# shellcheck disable=SC2059  # the text is a format: its \r\n
hex() { printf "$1" | od -An -tx1 -v | tr -d ' \n'; }

# expect_echo NAME MODE TEXT -- what came back is TEXT, whole
expect_echo() {
  local got
  if [ "$2" = tls ]; then got=$(sed -n 's/^tls TLSv1.2 echo //p' "$T/$1.out")
  else got=$(sed -n 's/^received //p' "$T/$1.out"); fi
  assert_eq "$(hex "$3")" "$got" "$1: what prog read after the header"
}

# expect_env NAME VAR=VALUE... -- in prog's environment (VAR= alone: unset)
expect_env() {
  local name=$1 v; shift
  for v in "$@"; do
    case $v in
      *=) if grep -q "^$v" "$T/env.$cport"; then fail "$name: $v is set: $(grep "^$v" "$T/env.$cport")"; fi ;;
      *) grep -qxF -- "$v" "$T/env.$cport" || fail "$name: no $v in prog's environment: $(grep -E '^(TCP|PROXY)' "$T/env.$cport" | tr '\n' ' ')" ;;
    esac
  done
}

# the addresses of a connection that the header does not replace
kept() {
  expect_env "$1" "TCPREMOTEIP=127.0.0.1" "TCPREMOTEPORT=$cport" "TCPLOCALIP=127.0.0.1" "TCPLOCALPORT=$2" \
    "TCPREMOTEHOST=balancer.example" "TCPREMOTEINFO=ident" \
    "PROXYREMOTEIP=127.0.0.1" "PROXYREMOTEPORT=$cport" "PROXYLOCALIP=127.0.0.1" "PROXYLOCALPORT=$2"
}

# replaced NAME LISTENPORT SRC SPORT DST DPORT
replaced() {
  expect_env "$1" "TCPREMOTEIP=$3" "TCPREMOTEPORT=$4" "TCPLOCALIP=$5" "TCPLOCALPORT=$6" \
    "TCPREMOTEHOST=" "TCPREMOTEINFO=" \
    "PROXYREMOTEIP=127.0.0.1" "PROXYREMOTEPORT=$cport" "PROXYLOCALIP=127.0.0.1" "PROXYLOCALPORT=$2"
}

text='EHLO client.example\r\nQUIT\r\n'

# --- delayed mode: prog reads the plaintext that followed the header
run d-v1 "$dport" --v1 "TCP4 192.0.2.7 198.51.100.1 4567 25" plain "$text"
expect_echo d-v1 plain "$text"
replaced d-v1 "$dport" 192.0.2.7 4567 198.51.100.1 25
wait_for 10 grep -q "peer=192.0.2.7:4567 " "$T/delayed.err" || fail "the -v2 line does not name the client: $(cat "$T/delayed.err")"

run d-v1-bytes "$dport" --chunk 1 --v1 "TCP6 2001:db8::5 2001:db8::1 65535 0" plain "$text"
expect_echo d-v1-bytes plain "$text"
replaced d-v1-bytes "$dport" 2001:db8::5 65535 2001:db8::1 0

run d-unknown "$dport" --chunk 4 --v1 UNKNOWN plain "$text"
expect_echo d-unknown plain "$text"
kept d-unknown "$dport"

# the longest v1 line, 107 bytes: UNKNOWN with the longest addresses and ports
f=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
run d-v1-max "$dport" --v1 "UNKNOWN $f $f 65535 65535" plain "$text"
expect_echo d-v1-max plain "$text"
kept d-v1-max "$dport"

run d-v2-tlv "$dport" --chunk 3 --tlv 100 --v2 proxy 0x11 203.0.113.9 198.51.100.1 40000 587 plain "$text"
expect_echo d-v2-tlv plain "$text"
replaced d-v2-tlv "$dport" 203.0.113.9 40000 198.51.100.1 587

run d-v2-ip6 "$dport" --chunk 1 --v2 proxy 0x21 2001:db8:0:1::7 ::1 1 2 plain "$text"
expect_echo d-v2-ip6 plain "$text"
replaced d-v2-ip6 "$dport" 2001:db8:0:1::7 1 ::1 2

run d-v2-local "$dport" --v2 local 0x00 - - 0 0 plain "$text"
expect_echo d-v2-local plain "$text"
kept d-v2-local "$dport"

# LOCAL ignores the family and addresses that come with it
run d-v2-local-addr "$dport" --v2 local 0x11 192.0.2.1 192.0.2.2 1 2 plain "$text"
kept d-v2-local-addr "$dport"

run d-v2-unspec "$dport" --v2 proxy 0x00 - - 0 0 plain "$text"
kept d-v2-unspec "$dport"

# the largest v2 header: 16 + 4096 bytes, TLVs after the addresses
run d-v2-max "$dport" --tlv 4084 --v2 proxy 0x11 192.0.2.200 192.0.2.1 65535 25 plain "$text"
expect_echo d-v2-max plain "$text"
replaced d-v2-max "$dport" 192.0.2.200 65535 192.0.2.1 25

# --- immediate mode: the ClientHello comes in the header's last write
run i-v1 "$iport" --v1 "TCP4 192.0.2.7 198.51.100.1 4567 465" tls "$text"
expect_echo i-v1 tls "$text"
replaced i-v1 "$iport" 192.0.2.7 4567 198.51.100.1 465
wait_for 10 grep -q "peer=192.0.2.7:4567 .*protocol=TLSv1.2" "$T/immediate.err" || fail "the -v2 line does not name the client: $(cat "$T/immediate.err")"

run i-v1-bytes "$iport" --chunk 1 --v1 "TCP6 2001:db8::5 2001:db8::1 1234 465" tls "$text"
expect_echo i-v1-bytes tls "$text"
replaced i-v1-bytes "$iport" 2001:db8::5 1234 2001:db8::1 465

run i-v2-tlv "$iport" --chunk 7 --tlv 300 --v2 proxy 0x21 2001:db8::9 2001:db8::1 5555 465 tls "$text"
expect_echo i-v2-tlv tls "$text"
replaced i-v2-tlv "$iport" 2001:db8::9 5555 2001:db8::1 465

run i-v2-max "$iport" --tlv 4084 --v2 proxy 0x11 192.0.2.201 192.0.2.1 2 465 tls "$text"
expect_echo i-v2-max tls "$text"
replaced i-v2-max "$iport" 192.0.2.201 2 192.0.2.1 465

run i-v2-local "$iport" --chunk 2 --v2 local 0x00 - - 0 0 tls "$text"
expect_echo i-v2-local tls "$text"
kept i-v2-local "$iport"

# descriptor 0 a pipe, not a socket (no peeking): the v1 line is read
# byte by byte, and what follows is still prog's
# shellcheck disable=SC2016  # expanded by that sh
out=$(printf 'PROXY TCP4 192.0.2.8 198.51.100.1 4568 25\r\nafter the header\n' | \
  with_timeout 20 env TCPREMOTEIP=127.0.0.1 TCPREMOTEPORT=9 ucspitlsd -p sh -c 'echo "$TCPREMOTEIP $PROXYREMOTEPORT"; cat' 2>"$T/pipe.err")
assert_eq "192.0.2.8 9
after the header" "$out" "prog's output with a pipe on descriptor 0"

assert_file_not_contains "$T/delayed.err" "fatal"
assert_file_not_contains "$T/immediate.err" "fatal"
wait_no_ucspitlsd
pass
