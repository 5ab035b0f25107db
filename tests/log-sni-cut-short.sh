#!/bin/bash
# log-sni-cut-short: the -v2 line of a handshake that does not end names
# the server name that the client sent in its ClientHello, as the line of
# a handshake that ends does: a client that sends its ClientHello (SNI
# test.example.org, made by Python's ssl) and then stalls (ucspitlsd -K
# 3000: "timed out", end=timeout), or closes the connection (the peer
# closed, or a network error: whichever the server meets first); a
# client that sends no SNI and stalls gets sni=-.  Immediate and delayed
# mode.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# hello.py PORT SNI|- stall|close [starttls] -- send a ClientHello (after
# an SMTP STARTTLS with starttls), then read to EOF, or close at once
cat >"$T/hello.py" <<'PY'
import socket, ssl, sys
port, sni, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(inc, out, server_hostname=None if sni == "-" else sni)
try:
    obj.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = out.read()
s = socket.create_connection(("127.0.0.1", port), timeout=30)
f = s.makefile("rb")
if len(sys.argv) > 4:
    def reply():
        while True:
            ln = f.readline()
            if not ln:
                sys.exit("eof in plaintext")
            if ln[3:4] != b"-":
                return ln
    reply()
    s.sendall(b"STARTTLS\r\n")
    if not reply().startswith(b"220"):
        sys.exit("STARTTLS refused")
s.sendall(hello)
if mode == "close":
    s.close()
    sys.exit(0)
while s.recv(65536):
    pass
print("server closed")
PY

# run NAME SNI MODE WANT-SNI WANT-END [ucspitlsd options]
run() {
  local name=$1 sni=$2 mode=$3 want=$4 end=$5 st=""; shift 5
  case " $* " in *' -i '*) ;; *) st=starttls ;; esac
  start_tcpserver "$name" ucspitlsd -v2 -K 3000 "$@" "$PY" "$APPS/smtpish.py"
  with_timeout 30 "$PY" "$T/hello.py" "$PORT" "$sni" "$mode" $st >"$T/$name.py" 2>&1 \
    || fail "$name: the client failed: $(cat "$T/$name.py")"
  wait_for 20 grep -q '^ucspitlsd: info: ' "$T/$name.err" || fail "$name: no -v2 line: $(cat "$T/$name.err")"
  local line
  line=$(grep '^ucspitlsd: info: ' "$T/$name.err")
  case $line in
    "ucspitlsd: info: peer=127.0.0.1:"*" sni=$want protocol=- cipher=- "*" end=$end") ;;
    *) fail "$name: the -v2 line is [$line], expected sni=$want and end=$end" ;;
  esac
  say "$name: $line"
  stop "$name"
}

run stall_i test.example.org stall test.example.org timeout -i
run close_i test.example.org close test.example.org error -i
run nosni_i - stall - timeout -i
run stall_d test.example.org stall test.example.org timeout
run close_d localhost close localhost error
pass
