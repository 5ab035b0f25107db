#!/bin/bash
# proxy-readme: README's "Past one machine" runs as written: the rules
# (proxy-rules, made into a cdb by tcprules), two hosts running the run
# script (proxy-host-run) with s6-envdir, haproxy with the configuration
# (haproxy-cfg) in front of them. The only edits: addresses and ports
# become loopback ones (the hosts 127.0.0.4 and 127.0.0.5, the balancer
# 127.0.0.1, clients 127.0.0.2 for the office and 127.0.0.3 for the
# abuser), the cdb's path is the test's, and qmail-smtpd is the test's
# SMTP app. A client from the office gets RELAYCLIENT, another does
# not, the abuser never reaches prog; haproxy's health checks leave no
# line but -v2's.
. "$(dirname "$0")/lib.sh"
certs
command -v haproxy >/dev/null 2>&1 || fail "haproxy is not installed (make deps-test)"

example() {
  sed -n "/^=== begin example $1 ===\$/,/^=== end example $1 ===\$/{/^=== /d;p;}" "$TOP/README"
}

example proxy-rules | sed -e 's/^10\.0\.0\.10:/127.0.0.1:/' -e 's/^192\.0\.2\.:/127.0.0.2:/' -e 's/^198\.51\.100\.66:/127.0.0.3:/' >"$T/smtp"
grep -q '^127.0.0.2:allow,RELAYCLIENT=""$' "$T/smtp" || fail "README's proxy-rules changed: $(cat "$T/smtp")"
tcprules "$T/smtp.cdb" "$T/smtp.tmp" <"$T/smtp" || fail "tcprules rejects README's rules"

mkdir -p "$T/bin"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$PY" "$APPS/smtpish.py" >"$T/bin/qmail-smtpd"
chmod +x "$T/bin/qmail-smtpd"

# host NAME ADDR -- the run script in a service directory of its own;
# its port in port_NAME
host() {
  local name=$1 addr=$2 port
  port=$(free_port)
  mkdir -p "$T/$name/env"
  echo "$SRV_CERT" >"$T/$name/env/CERTFILE"
  echo "$SRV_KEY" >"$T/$name/env/KEYFILE"
  example proxy-host-run | sed -e "s| 10\.0\.0\.11 25 | $addr $port |" -e "s|/etc/tcp/smtp\.cdb|$T/smtp.cdb|g" >"$T/$name/run"
  grep -q " $addr $port .*-x $T/smtp.cdb " "$T/$name/run" || fail "README's proxy-host-run changed: $(cat "$T/$name/run")"
  chmod +x "$T/$name/run"
  cd "$T/$name" || fail "no $T/$name"
  TEST_LOG=$T/$name.log PATH=$T/bin:$PATH start_bg "$name" ./run
  cd "$T" || fail "no $T"
  wait_port "$port"
  printf -v "port_$name" %s "$port"
}
host a 127.0.0.4
host b 127.0.0.5

front=$(free_port)
example haproxy-cfg | sed -e "s|bind :25$|bind 127.0.0.1:$front|" -e "s|10\.0\.0\.11:25$|127.0.0.4:$port_a|" \
  -e "s|10\.0\.0\.12:25$|127.0.0.5:$port_b|" >"$T/haproxy.cfg"
grep -q "127.0.0.5:$port_b" "$T/haproxy.cfg" || fail "README's haproxy-cfg changed: $(cat "$T/haproxy.cfg")"
haproxy -c -q -f "$T/haproxy.cfg" || fail "haproxy rejects README's configuration"
start_bg haproxy haproxy -db -f "$T/haproxy.cfg"
wait_port "$front"

# the first health checks (within "inter 10s")
_helo() { [ -f "$T/$1.log" ] && grep -q 'HELO lb.example.org' "$T/$1.log"; }
for h in a b; do wait_for 40 _helo "$h" || fail "no health check reached host $h"; done

# client ADDR RELAYCLIENT-reply -- a STARTTLS session from ADDR
client() {
  with_timeout 60 "$PY" "$APPS/tlsclient.py" -p "$front" --bind "$1" --ca "$CA" --sni localhost --timeout 40 \
    'reply 220' 'send EHLO client.example' 'reply 250 ^250-STARTTLS$' 'send STARTTLS' 'reply 220' tls \
    'send EHLO client.example' 'reply 250' \
    'send XENV TCPREMOTEIP' "reply 250 ^250 TCPREMOTEIP=$1\$" \
    'send XENV RELAYCLIENT' "reply 250 ^250 $2\$" \
    'send QUIT' 'reply 221' eof >"$T/client-$1.out" 2>&1 \
    || fail "client $1: $(tail -n 4 "$T/client-$1.out")"
}
client 127.0.0.2 "RELAYCLIENT="
client 127.0.0.6 "RELAYCLIENT unset"
with_timeout 60 "$PY" "$APPS/tlsclient.py" -p "$front" --bind 127.0.0.3 --timeout 40 eof >"$T/abuser.out" 2>&1 \
  || fail "the abuser was not sent away at once: $(tail -n 4 "$T/abuser.out")"

_denied() { grep -q "ucspitlsd: fatal: client 127.0.0.3:[0-9]* (through 127.0.0.1:[0-9]*) denied by rules file $T/smtp.cdb" "$T/a.out" "$T/b.out"; }
wait_for 10 _denied || fail "no line for the abuser: $(cat "$T/a.out" "$T/b.out")"
_ended() { [ "$(cat "$T/a.out" "$T/b.out" | grep -c 'end=ok')" -ge 2 ]; }
wait_for 10 _ended || fail "no -v2 lines for the two sessions"
for c in 127.0.0.2 127.0.0.6; do
  grep -q "peer=$c:[0-9]* .*protocol=TLSv1.2 .*end=ok" "$T/a.out" "$T/b.out" || fail "no -v2 line names $c"
done
# the health checks: no line but -v2's; the others are the abuser's and
# those of the run scripts' ucspitlsd -C -x
others() {
  cat "$T/a.out" "$T/b.out" | grep -v -e '^ucspitlsd: info: peer=' -e '^ucspitlsd: info: CERTFILE .*: ok, valid until ' \
    -e "^ucspitlsd: info: rules file $T/smtp.cdb: ok, 4 rules\$"
}
assert_eq 1 "$(others | wc -l)" "lines other than -v2's and the deny: $(others)"
stop haproxy
pass
