#!/bin/bash
# tcpsvd: the same STARTTLS session as under tcpserver, under Debian's
# ipsvd tcpsvd (connection on fds 0/1, TCPREMOTEIP/TCPREMOTEPORT set):
# openssl s_client -starttls smtp and a Python client talk through
# ucspitlsd -v2 to the SMTP-like app; the TLS child exits 0 each time and
# the -v2 line names the peer that tcpsvd reported.
. "$(dirname "$0")/lib.sh"
certs

export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_STATUS_FILE=$T/status TEST_YBLOCK_FILE=$T/block TEST_LOG=$T/app.log

# tcpsvd: -v logs connections, -l names the local host (no DNS look-up),
# -c 4 connections at most; port 0: the kernel picks one, which tcpsvd
# does not print, so we find its listening socket: the port of the socket
# among its fds that /proc/net/tcp shows listening (state 0A)
start_bg svd tcpsvd -v -l localhost -c 4 127.0.0.1 0 ucspitlsd -v2 "$PY" "$APPS/smtpish.py" Y
svd_port() {
  local f l inodes= hex
  for f in "/proc/$PID_svd/fd"/*; do
    l=$(readlink "$f") || continue
    case $l in 'socket:['*']') l=${l#socket:[}; inodes="$inodes ${l%]}" ;; esac
  done
  [ -n "$inodes" ] || return 0
  hex=$(awk -v inodes="$inodes" 'BEGIN { n = split(inodes, a, " "); for (i = 1; i <= n; i++) w[a[i]] = 1 }
    FNR > 1 && $4 == "0A" && ($10 in w) { n = split($2, a, ":"); print a[n]; exit }' /proc/net/tcp /proc/net/tcp6)
  [ -z "$hex" ] || echo $((16#$hex))
}
_svd_listening() { [ -n "$(svd_port)" ]; }
wait_for 10 _svd_listening || fail "tcpsvd is not listening: $(cat "$T/svd.err" "$T/svd.out")"
PORT=$(svd_port)
wait_port "$PORT"

# 1. openssl s_client
sclient_first svd.example "under tcpsvd"
grep -qaF "SSL_TLS_SNI_SERVERNAME=localhost" "$T/block" || fail "Y block: [$(od -An -c "$T/block")]"

# 2. Python ssl, with a pipelined burst after the switch
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'reply 220' 'send EHLO before.example' 'reply 250 ^250-STARTTLS$' \
  'send STARTTLS' 'reply 220' tls \
  'sendraw XECHO one\r\nXECHO two\r\nXECHO three\r\n' \
  'reply 250 ^250 one$' 'reply 250 ^250 two$' 'reply 250 ^250 three$' \
  'send QUIT' 'reply 221' eof >"$T/py.log" 2>&1 \
  || fail "python session failed: $(tail -n 3 "$T/py.log")"
wait_lines "$T/status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/status")" "TLS child status after python"

# the -v2 lines: one per session, with the peer tcpsvd gave us
_nlines_matching() { [ "$(grep -c -- "$2" "$1")" -ge "$3" ]; }
wait_for 10 _nlines_matching "$T/svd.err" '^ucspitlsd: info: ' 2 \
  || fail "expected two -v2 lines: [$(cat "$T/svd.err")]"
grep '^ucspitlsd: info: ' "$T/svd.err" | grep -v ' end=ok' && fail "a session did not end ok"
grep -q '^ucspitlsd: info: peer=127\.0\.0\.1:[0-9][0-9]* .*protocol=TLSv1\.2 ' "$T/svd.err" \
  || fail "the -v2 line lacks the peer: [$(cat "$T/svd.err")]"
# tcpsvd itself saw both connections end with status 0
wait_for 10 _nlines_matching "$T/svd.out" 'tcpsvd: info: end [0-9]* exit 0' 2 \
  || fail "tcpsvd did not report two clean ends: [$(cat "$T/svd.out")]"
# ... and the peer in each -v2 line is the one tcpsvd announced
ports=$(sed -n 's/^tcpsvd: info: start [0-9]* .*:\([0-9][0-9]*\)$/\1/p' "$T/svd.out")
[ "$(printf '%s\n' "$ports" | grep -c .)" = 2 ] || fail "tcpsvd announced no two peers: [$(cat "$T/svd.out")]"
for p in $ports; do
  assert_file_contains "$T/svd.err" "ucspitlsd: info: peer=127.0.0.1:$p " "-v2 lines"
done
pass
