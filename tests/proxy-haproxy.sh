#!/bin/bash
# proxy-haproxy: the deployment of README's "Past one machine", for real.
# haproxy (Debian's) on 127.0.0.1 and ::1 in TCP mode, balancing by
# source over two hosts (tcpserver on 127.0.0.4 and 127.0.0.5) that run
# ucspitlsd -p, with send-proxy (v1) and send-proxy-v2, in delayed mode
# (SMTP STARTTLS, health checks by option smtpchk) and in immediate mode
# (plain TCP health checks). Clients connect from 127.0.0.2, 127.0.0.3
# and ::1: prog's TCPREMOTEIP and the -v2 log line show the client, not
# haproxy; the health checks produce no warning or error line (what -v1
# prints), and in immediate mode end quietly with exit 0.
. "$(dirname "$0")/lib.sh"
certs
command -v haproxy >/dev/null 2>&1 || fail "haproxy is not installed (make deps-test)"
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY
export TEST_WAIT=5

# host NAME ADDR ucspitlsd-args... -- tcpserver on ADDR, port in HOSTPORT
host() {
  local name=$1 addr=$2; shift 2
  TEST_LOG=$T/$name.log start_bg "$name" tcpserver -1 -HRl0 -c 40 "$addr" 0 \
    "$APPS/record-exit" "$T/$name.status" ucspitlsd -v2 -p "$@" "$PY" "$APPS/smtpish.py"
  wait_for 10 _nonempty "$T/$name.out" || fail "tcpserver $name did not start: $(cat "$T/$name.err")"
  HOSTPORT=$(head -n 1 "$T/$name.out")
  wait_port "$HOSTPORT"
}
host da 127.0.0.4; da=$HOSTPORT
host db 127.0.0.5; db=$HOSTPORT
host ia 127.0.0.4 -i; ia=$HOSTPORT
host ib 127.0.0.5 -i; ib=$HOSTPORT

fd1=$(free_port) fd2=$(free_port) fi1=$(free_port) fi2=$(free_port)
cat >"$T/haproxy.cfg" <<CFG
global
  maxconn 200
defaults
  mode tcp
  balance source
  timeout connect 10s
  timeout client 60s
  timeout server 60s
  timeout check 10s
  default-server check inter 500ms fall 20 rise 1 maxconn 30
frontend delayed-v1
  bind 127.0.0.1:$fd1
  bind [::1]:$fd1
  default_backend delayed-v1
frontend delayed-v2
  bind 127.0.0.1:$fd2
  bind [::1]:$fd2
  default_backend delayed-v2
frontend immediate-v1
  bind 127.0.0.1:$fi1
  bind [::1]:$fi1
  default_backend immediate-v1
frontend immediate-v2
  bind 127.0.0.1:$fi2
  bind [::1]:$fi2
  default_backend immediate-v2
backend delayed-v1
  option smtpchk HELO haproxy.example
  server a 127.0.0.4:$da send-proxy
  server b 127.0.0.5:$db send-proxy
backend delayed-v2
  option smtpchk HELO haproxy.example
  server a 127.0.0.4:$da send-proxy-v2
  server b 127.0.0.5:$db send-proxy-v2
backend immediate-v1
  server a 127.0.0.4:$ia send-proxy
  server b 127.0.0.5:$ib send-proxy
backend immediate-v2
  server a 127.0.0.4:$ia send-proxy-v2
  server b 127.0.0.5:$ib send-proxy-v2
CFG
haproxy -c -q -f "$T/haproxy.cfg" || fail "haproxy rejects the test's configuration"
start_bg haproxy haproxy -db -f "$T/haproxy.cfg"
for p in "$fd1" "$fd2" "$fi1" "$fi2"; do wait_port "$p"; done

# the health checks reach every host (each immediate check is a
# connection that ends with exit 0, before prog runs)
_count() { [ -f "$2" ] && [ "$(grep -c -- "$1" "$2")" -ge 4 ]; }
_checked() { _count '^exit 0$' "$T/$1.status"; }
_helo() { _count 'HELO haproxy.example' "$T/$1.log"; }
for h in ia ib; do wait_for 60 _checked "$h" || fail "no health checks reached $h: $(cat "$T/$h.status" 2>&1)"; done
for h in da db; do wait_for 60 _helo "$h" || fail "no smtpchk reached $h: $(cat "$T/$h.log" 2>&1)"; done

# session NAME PORT CLIENT MODE -- TCPREMOTEIP for prog is CLIENT
session() {
  local name=$1 port=$2 client=$3 mode=$4 host=127.0.0.1 bind=(--bind "$3")
  case $client in *:*) host=::1 bind=() ;; esac
  if [ "$mode" = delayed ]; then
    steps=('reply 220' 'send EHLO client.example' 'reply 250 ^250-STARTTLS$' 'send STARTTLS' 'reply 220' tls)
  else
    steps=(tls 'reply 220')
  fi
  with_timeout 60 "$PY" "$APPS/tlsclient.py" -p "$port" --host "$host" "${bind[@]}" --ca "$CA" --sni localhost --timeout 40 \
    "${steps[@]}" 'send EHLO client.example' 'reply 250' \
    'send XENV TCPREMOTEIP' "reply 250 ^250 TCPREMOTEIP=$client\$" \
    'send XENV PROXYREMOTEIP' 'reply 250 ^250 PROXYREMOTEIP=127\.0\.0\.1$' \
    'send QUIT' 'reply 221' eof >"$T/$name.client" 2>&1 \
    || fail "$name: $(tail -n 4 "$T/$name.client")"
}

for v in 1 2; do
  for c in 127.0.0.2 127.0.0.3 ::1; do
    session "d$v-$c" "$(eval echo "\$fd$v")" "$c" delayed
    session "i$v-$c" "$(eval echo "\$fi$v")" "$c" immediate
  done
done

# the log lines: each client by its own address, in TLS; haproxy's
# address only for the health checks of delayed mode (end=declined)
_logged() { cat "$T/da.err" "$T/db.err" "$T/ia.err" "$T/ib.err" | grep -c "peer=$1[0-9]* .*protocol=TLSv1.2 .*end=ok"; }
_all_logged() { for c in 127.0.0.2: 127.0.0.3: "\\[::1\\]:"; do [ "$(_logged "$c")" -ge 4 ] || return 1; done; }
wait_for 30 _all_logged || fail "the log lines do not name each client 4 times: $(cat "$T"/[di][ab].err | grep -v end=declined)"
# (grep -c, not -q: an early exit would fail the pipe under pipefail)
haproxy_lines() { cat "$T"/[di][ab].err | grep "peer=127\.0\.0\.1:" | grep -v "end=declined"; }
[ "$(haproxy_lines | wc -l)" = 0 ] || fail "a line names haproxy's address: $(haproxy_lines | head -n 3)"
# no line but those of -v2: nothing at -v1 from the health checks
for h in da db ia ib; do
  if [ "$(grep -vc '^ucspitlsd: info: peer=' "$T/$h.err")" != 0 ]; then fail "$h: lines other than -v2's: $(grep -v '^ucspitlsd: info: peer=' "$T/$h.err" | head -n 5)"; fi
done
for h in ia ib; do
  if [ "$(grep -vc '^exit 0$' "$T/$h.status")" != 0 ]; then fail "$h: an exit other than 0: $(sort "$T/$h.status" | uniq -c)"; fi
done
stop haproxy
pass
