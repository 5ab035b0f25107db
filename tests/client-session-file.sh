#!/bin/bash
# client-session-file: ucspitlsc with TLS_SESSION_FILE offers the session
# stored there and, after a full handshake, stores the new one (mode
# 0600, no temporary file left). Against ucspitlsd (with a store) and
# openssl s_server (its own cache), the second connection resumes, and
# its facts, the server certificate's included, are the first's. A file
# made for one server name or policy (-k name, -N) is not offered under
# another: s_server, which would resume it under any name, shows "New".
# A garbage or truncated file, or a FIFO: one warning, a full handshake,
# and a good file again. The variable does not reach prog (unless -Z).
# (Exim with GnuTLS resumes by session tickets only, which BearSSL does
# not have: no test against it.)
. "$(dirname "$0")/lib.sh"
certs

export CAFILE=$CA
CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TLS_SESSION_CACHE=$T/store start_tcpserver srv ucspitlsd -i -v2 "$APPS/facts-say"
sport=$PORT
n=0
# conn PORT FILE [OPTS...] -- prog reads what the server says to $T/out.$n
# (and sends an HTTP request first, for s_server -www); its SSL_* env to
# $T/env.$n; the -v2 line to $T/err.$n
conn() {
  local port=$1 file=$2; shift 2
  n=$((n + 1))
  TLS_SESSION_FILE=$file with_timeout 30 tcpclient -RHl0 127.0.0.1 "$port" ucspitlsc -i -v2 "$@" \
    sh -c 'env | grep -E "^(SSL_|TLS_SESSION)" | sort >"$1"; printf "GET / HTTP/1.0\r\n\r\n" >&7; exec 7>&-; timeout 20 cat <&6 >"$2"' \
    conn "$T/env.$n" "$T/out.$n" 2>"$T/err.$n" || fail "connection $n failed: $(cat "$T/err.$n")"
}
resumed() { grep -q " resumed=$2 .* end=ok$" "$T/err.$1" || fail "connection $1: not resumed=$2: $(cat "$T/err.$1")"; }

# 1. against ucspitlsd: new, then resumed twice with the same facts
conn "$sport" "$T/s1" -k localhost; resumed 1 no
assert_eq "-rw-------" "$(stat -c %A "$T/s1")" "the session file's mode"
conn "$sport" "$T/s1" -k localhost; resumed 2 yes
conn "$sport" "$T/s1" -k localhost; resumed 3 yes
grep -q '^SSL_SERVER_S_DN=/CN=localhost$' "$T/env.1" || fail "no server certificate facts: $(cat "$T/env.1")"
grep -q '^SSL_PEER_CERT_HASH=SHA256:' "$T/env.1" || fail "no certificate hash: $(cat "$T/env.1")"
for i in 2 3; do
  cmp -s "$T/env.1" "$T/env.$i" || fail "facts of connection $i: $(diff "$T/env.1" "$T/env.$i")"
  cmp -s "$T/out.1" "$T/out.$i" || fail "the server's facts, connection $i: $(diff "$T/out.1" "$T/out.$i")"
done
grep -q TLS_SESSION "$T/env.1" && fail "TLS_SESSION_FILE reached prog: $(cat "$T/env.1")"
ls "$T"/s1.* 2>/dev/null && fail "a temporary file is left"

# 2. another policy (-N: any name, no SNI) or another name: not offered
conn "$sport" "$T/s1" -N; resumed 4 no
conn "$sport" "$T/s1" -k localhost; resumed 5 no   # -N's session replaced -k localhost's

# 3. garbage and truncated files: a warning, a full handshake, a new file
head -c 700 /dev/urandom >"$T/s1"
conn "$sport" "$T/s1" -k localhost; resumed 6 no
assert_file_contains "$T/err.6" "ucspitlsc: warning: session file $T/s1 is not a valid session: ignored"
conn "$sport" "$T/s1" -k localhost; resumed 7 yes
head -c 300 "$T/s1" >"$T/s1.cut"; mv "$T/s1.cut" "$T/s1"
conn "$sport" "$T/s1" -k localhost; resumed 8 no
assert_file_contains "$T/err.8" "is not a valid session: ignored"
: >"$T/s1"
conn "$sport" "$T/s1" -k localhost; resumed 9 no
conn "$sport" "$T/s1" -k localhost; resumed 10 yes
grep -q warning "$T/err.10" && fail "a warning for a good file: $(cat "$T/err.10")"
# a FIFO, with no writer: no hang, a warning, a full handshake, whose
# session replaces it
mkfifo "$T/s3"
conn "$sport" "$T/s3" -k localhost; resumed 11 no
assert_file_contains "$T/err.11" "is not a valid session: ignored"
conn "$sport" "$T/s3" -k localhost; resumed 12 yes

# 4. against openssl s_server -www, which tells whether it reused
sport2=$(free_port)
start_bg sserver openssl s_server -accept "127.0.0.1:$sport2" -cert "$SRV_CERT" -key "$SRV_KEY" -www -tls1_2
wait_port "$sport2"
conn "$sport2" "$T/s2" -k localhost; resumed 13 no
assert_file_contains "$T/out.13" "New, TLSv1.2"
conn "$sport2" "$T/s2" -k localhost; resumed 14 yes
assert_file_contains "$T/out.14" "Reused, TLSv1.2"
cmp -s "$T/env.13" "$T/env.14" || fail "facts against s_server: $(diff "$T/env.13" "$T/env.14")"
# s_server would resume under any name: the client must not offer it
conn "$sport2" "$T/s2" -N; resumed 15 no
assert_file_contains "$T/out.15" "New, TLSv1.2"
pass
