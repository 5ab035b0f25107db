#!/bin/bash
# prog-exit-peer-silent: prog is done, the peer is not.  prog writes one
# line and exits (tests/apps/say-wait.py: it closes both of its ends and
# only waits for its child); the peer reads the line and then does
# nothing at all: it sends no byte and never closes (hostile.py
# line-silent, holding the socket 3.5 s past the server's end).  Once
# everything prog wrote has been sent, the TLS child ends the connection
# in bounded time: the man page's 2 s (with -s, the half-close and at
# most about 1 s of waiting for the peer's end-of-file); checked with 1 s
# of slack, 3 s from prog's close to the child's exit.  The child exits 0
# with the -v2 line end=ok and nothing else, and nothing is left running,
# while the peer still holds its socket open.  -s and -S, immediate and
# delayed mode.
#
# Then the README's starttls-smtpd run script, in the shape that showed
# the defect (tcpserver, ucspitlsd -v2, starttls-smtpd, exim4 -bs): a
# client does STARTTLS, EHLO, QUIT, gets its 221, and keeps the socket
# open without a word: within 3 s of the 221 the connection must be
# closed and no ucspitlsd, starttls-smtpd or exim4 process left.
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY

# run NAME OPTS... -- one connection, checked
run() {
  local name=$1 r; shift
  start_tcpserver "$name" ucspitlsd -v2 "$@" "$PY" "$APPS/say-wait.py" "$T/$name.report" 'hello\n'
  eval "PORT_$name=\$PORT"
  r=$T/$name.report
  case " $* " in *" -i "*) hostile "$name" line-silent --timeout 8 --hold 3.5 ;;
    *) hostile "$name" line-silent --timeout 8 --hold 3.5 --starttls ;; esac
  assert_file_contains "$T/$name.client" "line hello"
  wait_file "$r" 20
  awk '$1 == "closed" { c = $2 } $1 == "ended" { e = $2 } END { exit !(e - c < 3) }' "$r" \
    || fail "$name: the TLS child ended $(awk '$1 == "closed" { c = $2 } $1 == "ended" { e = $2 } END { printf "%.1f", e - c }' "$r") s after prog had closed its ends"
  assert_eq "exit 0" "$(sed -n 's/^tls //p' "$r")" "$name: TLS child status"
  assert_eq 1 "$(wc -l <"$T/$name.err")" "$name: lines on stderr"
  grep -qE '^ucspitlsd: info: peer=.* end=ok$' "$T/$name.err" || fail "$name: not an end=ok -v2 line: $(cat "$T/$name.err")"
  wait_no_ucspitlsd
}

run imm_s -i -s
run imm_S -i -S
run del_s -s
run del_S -S

# starttls-smtpd in front of exim, as in the README
exim_conf "the parts without exim passed"
start_smtpd smtpd
cat >"$T/quit-hold.py" <<'PYEOF'
import socket, ssl, sys, time
from ucspiapp import ByteReader, smtp_reply as reply
port, ca = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=20)
reply(s.recv)
s.sendall(b"EHLO client.example\r\n"); reply(s.recv)
s.sendall(b"STARTTLS\r\n")
r = reply(s.recv)
assert r.startswith(b"220"), r
t = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname="localhost")
tr = ByteReader(t)
t.sendall(b"EHLO client.example\r\n"); reply(tr.recv)
t.sendall(b"QUIT\r\n")
r = reply(tr.recv)
assert r.startswith(b"221"), r
print("221 %.3f" % time.time(), flush=True)
# silence: read (nothing comes but the end), never close
t.settimeout(8)
try:
    while t.recv(4096):
        pass
    print("eof %.3f" % time.time(), flush=True)
except (OSError, ssl.SSLError) as e:
    print("end %s %.3f" % (e, time.time()), flush=True)
time.sleep(6)
PYEOF
PYTHONPATH=$APPS start_bg quit "$PY" "$T/quit-hold.py" "$PORT" "$CA"
wait_for 20 grep -q '^221 ' "$T/quit.out" || fail "no 221 to QUIT: $(cat "$T/quit.out" "$T/quit.err")"
t221=$(sed -n 's/^221 //p' "$T/quit.out")
_smtpd_gone() { _no_strays ucspitlsd && _no_strays starttls-smtpd && _no_strays exim4; }
wait_for 3 _smtpd_gone \
  || fail "3 s after QUIT's 221, still running: $( (_strays ucspitlsd; _strays starttls-smtpd; _strays exim4) | tr '\n' '|')"
wait_for 3 grep -qE '^(eof|end) ' "$T/quit.out" || fail "the client did not see the connection end: $(cat "$T/quit.out")"
say "QUIT's 221 at $t221; $(tail -n 1 "$T/quit.out")"
wait_lines "$T/smtpd.status" 1
assert_eq "exit 0" "$(cat "$T/smtpd.status")" "starttls-smtpd's status"
grep -qE '^ucspitlsd: info: peer=.* end=ok$' "$T/smtpd.err" || fail "not an end=ok -v2 line: $(cat "$T/smtpd.err")"
stop quit
pass
