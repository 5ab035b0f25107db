#!/bin/bash
# fds-inherited: prog inherits no fd it was not promised.  Delayed mode:
# exactly 0 1 2 (0/1 the TCP connection) plus SSLCTLFD (a socket, read and
# write), SSLREADFD (readable) and SSLWRITEFD (writable), none of them the
# connection.  Immediate mode: exactly 0 1 2, with 0/1 the decrypted
# stream, not the connection.  (lib.sh closes every fd beyond 2 before
# starting tcpserver, which gives its children fds 0 1 2 only.)
. "$(dirname "$0")/lib.sh"
certs
export CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_STATUS_FILE=$T/status

# fdline N -- "TARGET KIND MODE" of fd N in the dump
fdline() { sed -n "s/^fd $1 //p" "$dump"; }
fdlist() { sed -n 's/^fd \([0-9]*\) .*/\1/p' "$dump" | sort -n | tr '\n' ' '; }
envval() { sed -n "s/^env $1=//p" "$dump"; }

# delayed
start_tcpserver delayed ucspitlsd "$PY" "$APPS/dumpenv.py" "$T/dump.delayed"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" readall >"$T/client1.log" 2>&1 \
  || fail "client failed: $(cat "$T/client1.log")"
dump=$T/dump.delayed
wait_file "$dump"
ctl=$(envval SSLCTLFD) r=$(envval SSLREADFD) w=$(envval SSLWRITEFD)
for v in "$ctl" "$r" "$w"; do
  case $v in ''|*[!0-9]*) fail "SSL fd variables missing or not numbers: [$ctl] [$r] [$w]" ;; esac
  [ "$v" -ge 3 ] || fail "an SSL fd is one of 0 1 2: [$ctl] [$r] [$w]"
done
expected=$(printf '%s\n' 0 1 2 "$ctl" "$r" "$w" | sort -nu | tr '\n' ' ')
assert_eq "$expected" "$(fdlist)" "prog's fds in delayed mode"
for fd in 0 1; do
  case $(fdline $fd) in "socket:["*"] tcp "*) ;; *) fail "fd $fd is not the TCP connection: $(fdline $fd)" ;; esac
done
case $(fdline 0) in *" rdwr"|*" rdonly") ;; *) fail "fd 0 not readable: $(fdline 0)" ;; esac
case $(fdline 1) in *" rdwr"|*" wronly") ;; *) fail "fd 1 not writable: $(fdline 1)" ;; esac
case $(fdline 2) in "$T/delayed.err file "*) ;; *) fail "fd 2 is not tcpserver's stderr: $(fdline 2)" ;; esac
case $(fdline "$ctl") in "socket:["*"] unix rdwr") ;; *) fail "SSLCTLFD is not a read-write unix socket: $(fdline "$ctl")" ;; esac
case $(fdline "$r") in *" tcp "*) fail "SSLREADFD is the network: $(fdline "$r")" ;; *" rdonly"|*" rdwr") ;; *) fail "SSLREADFD not readable: $(fdline "$r")" ;; esac
case $(fdline "$w") in *" tcp "*) fail "SSLWRITEFD is the network: $(fdline "$w")" ;; *" wronly"|*" rdwr") ;; *) fail "SSLWRITEFD not writable: $(fdline "$w")" ;; esac
wait_lines "$T/status" 1
assert_eq "exit 0" "$(sed -n 1p "$T/status")" "TLS child status (prog ended without a control byte)"

# immediate
start_tcpserver immediate ucspitlsd -i "$PY" "$APPS/dumpenv.py" "$T/dump.immediate"
with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$PORT" tls readall >"$T/client2.log" 2>&1 \
  || fail "client failed: $(cat "$T/client2.log")"
dump=$T/dump.immediate
wait_file "$dump"
assert_eq "0 1 2 " "$(fdlist)" "prog's fds in immediate mode"
case $(fdline 0) in *" tcp "*) fail "fd 0 is the network, not the decrypted stream: $(fdline 0)" ;; *" rdonly"|*" rdwr") ;; *) fail "fd 0 not readable: $(fdline 0)" ;; esac
case $(fdline 1) in *" tcp "*) fail "fd 1 is the network, not the decrypted stream: $(fdline 1)" ;; *" wronly"|*" rdwr") ;; *) fail "fd 1 not writable: $(fdline 1)" ;; esac
case $(fdline 2) in "$T/immediate.err file "*) ;; *) fail "fd 2 is not tcpserver's stderr: $(fdline 2)" ;; esac
for v in SSLCTLFD SSLREADFD SSLWRITEFD; do
  [ -z "$(envval $v)" ] || fail "$v set in immediate mode"
done
wait_lines "$T/status" 2
assert_eq "exit 0" "$(sed -n 2p "$T/status")" "TLS child status in immediate mode"
pass
