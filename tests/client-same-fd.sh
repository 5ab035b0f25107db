#!/bin/bash
# client-same-fd: `ucspitlsc -i -6 N -7 N`, one fd for both directions of
# the network, as a caller that hands over a single socket does.  prog
# then gets the decrypted stream both ways on fd N: a socket, open for
# reading and writing.  A real exchange through it: prog writes a 150 KB
# request and half-closes fd N (shutdown SHUT_WR); the server's prog reads
# it to end-of-file, answers with 200 KB and closes; prog reads the answer
# to end-of-file.  Both sides get exactly what the other sent (sha256),
# both TLS children exit 0 (end=ok).  Fd 3, then fd 6 (one of the default numbers).
. "$(dirname "$0")/lib.sh"
certs
export CAFILE=$CA

head -c 200000 /dev/urandom >"$T/answer"
head -c 150000 /dev/urandom >"$T/request"
# shellcheck disable=SC2016  # for the inner shell
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver srv ucspitlsd -v2 -i \
  sh -c 'cat >"$1.got" && cat "$2"' srv "$T/srv" "$T/answer"

# the client's prog: FD's kind, the exchange, its TLS child's status
cat >"$T/sameapp.py" <<'PYEOF'
import os, socket, stat, sys
fd, request, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
st = os.fstat(fd)
acc = __import__("fcntl").fcntl(fd, 3) & os.O_ACCMODE  # F_GETFL
rep = ["kind %s" % ("socket" if stat.S_ISSOCK(st.st_mode) else "pipe" if stat.S_ISFIFO(st.st_mode) else "other"),
       "mode %s" % {os.O_RDONLY: "rdonly", os.O_WRONLY: "wronly"}.get(acc, "rdwr")]
s = socket.socket(fileno=os.dup(fd)) if stat.S_ISSOCK(st.st_mode) else None
data = open(request, "rb").read()
try:
    mv = memoryview(data)
    while mv:
        mv = mv[os.write(fd, mv):]
    if s is None:
        raise OSError("fd %d is not a socket: no half-close" % fd)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        got += b
    open(out, "wb").write(got)
    rep.append("exchange done")
except OSError as e:
    rep.append("error %s" % e)
if s is not None:
    s.close()
os.close(fd)
_, w = os.wait()
rep.append("tls exit %d" % os.WEXITSTATUS(w) if os.WIFEXITED(w) else "tls signal %d" % os.WTERMSIG(w))
print("\n".join(rep), flush=True)
PYEOF

for n in 3 6; do
  # the network socket alone on fd N: tcpclient's 6 and 7 are both it
  # shellcheck disable=SC2016  # for the inner shell
  with_timeout 40 tcpclient -RHl0 127.0.0.1 "$PORT" \
    bash -c 'n=$1; shift; eval "exec 9<&6 6<&- 7>&- $n<&9 9<&-"; exec "$@"' moved "$n" \
    ucspitlsc -v2 -i -6 "$n" -7 "$n" -k localhost "$PY" "$T/sameapp.py" "$n" "$T/request" "$T/got$n" \
    >"$T/c$n.out" 2>"$T/c$n.err" || fail "fd $n: the client failed: $(cat "$T/c$n.out" "$T/c$n.err")"
  assert_eq "kind socket
mode rdwr
exchange done
tls exit 0" "$(cat "$T/c$n.out")" "fd $n: what prog saw"
  wait_file "$T/srv.got" 10
  wait_for 10 cmp -s "$T/request" "$T/srv.got" || fail "fd $n: the server did not get the request ($(wc -c <"$T/srv.got") bytes)"
  cmp -s "$T/answer" "$T/got$n" || fail "fd $n: the answer differs ($(wc -c <"$T/got$n") bytes)"
  assert_file_contains "$T/c$n.err" " end=ok" "fd $n: the -v2 line"
  rm -f "$T/srv.got"
done
wait_lines "$T/srv.err" 2 10
assert_eq 2 "$(grep -c ' end=ok$' "$T/srv.err")" "server -v2 lines with end=ok: $(cat "$T/srv.err")"
wait_no_ucspitlsd
pass
