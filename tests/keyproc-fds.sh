#!/bin/bash
# keyproc-fds: the key process can read nothing from the network nor from
# prog.  While it exists (a handshake held before the ClientHello), its
# fds are 0, 1 and 2, each on /dev/null or on the connection's stderr
# (the TLS child's fd 2) or closed, plus exactly one more: a Unix socket
# whose peer is held by the TLS child (the socketpair) -- no network
# socket, no pipe to prog, no control channel.  And the TLS child holds
# no fd on the key file (an open key file would give it the key).
# ucspitlsd -i, ucspitlsd delayed (after the 220 to STARTTLS), and
# ucspitlsc -i -y (the client certificate's key, against a server that
# never answers).  None of the key process's fds 0, 1 and 2 is a socket:
# also not when the program's stderr is the connection, as inetd-style
# launchers give it (ucspitlsd -i with 2>&1 under tcpserver, ucspitlsc
# with 2>&7 under tcpclient).
. "$(dirname "$0")/lib.sh"
certs

# the key in a file of its own, so that an fd on it is told apart
cp "$SRV_KEY" "$T/srv.key" || fail "cannot copy $SRV_KEY"
cp "$CLIENT_KEY" "$T/client.key" || fail "cannot copy $CLIENT_KEY"

# check_fds NAME KPID TLS KEYFILE
check_fds() {
  local name=$1 kpid=$2 tls=$3 key=$4 err f n target sock="" peer ino held
  err=$(readlink "/proc/$tls/fd/2")
  [ -n "$err" ] || fail "$name: the TLS child $tls has no fd 2"
  for f in "/proc/$kpid/fd"/*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    n=${f##*/}
    target=$(readlink "$f") || fail "$name: cannot read $f"
    say "$name: key process $kpid: fd $n -> $target"
    case $n in
      0|1|2)
        case $target in socket:*) fail "$name: the key process's fd $n is a socket ($target)" ;; esac
        [ "$target" = /dev/null ] || [ "$target" = "$err" ] \
          || fail "$name: the key process's fd $n is on $target, not /dev/null nor stderr ($err)"
        ;;
      *)
        case $target in
          socket:\[*\]) ;;
          *) fail "$name: the key process holds fd $n on $target" ;;
        esac
        [ -z "$sock" ] || fail "$name: the key process holds more than one socket: $sock and fd $n"
        sock=$target
        ;;
    esac
  done
  [ -n "$sock" ] || fail "$name: the key process holds no socket (no socketpair to the TLS child)"
  ino=${sock#socket:[}; ino=${ino%]}
  command -v ss >/dev/null || fail "ss is missing (Debian package iproute2, named in package/deps-test)"
  peer=$(ss -xaH | awk -v i="$ino" '$6 == i { print $8 }')
  [ -n "$peer" ] || fail "$name: the key process's socket $ino is not a connected Unix socket: $(ss -xaH | grep -w "$ino")"
  held=""
  for f in "/proc/$tls/fd"/*; do
    [ "$(readlink "$f")" = "socket:[$peer]" ] && held=${f##*/}
  done
  [ -n "$held" ] || fail "$name: the peer ($peer) of the key process's socket is not held by the TLS child $tls"
  for f in "/proc/$tls/fd"/* "/proc/$kpid/fd"/*; do
    [ "$(readlink -f "$f" 2>/dev/null)" != "$(readlink -f "$key")" ] || fail "$name: $f is open on the key file $key"
  done
}

# server NAME OPTS... -- a connection held before the ClientHello.  With
# INETD, ucspitlsd's fd 2 is the connection, and so prog's the clear
# stream: smtpish, which waits for the TLS child once it has closed fds 0
# and 1, gets /dev/null there, or the stream would never end
server() {
  local name=$1 prog; shift
  local starttls=--starttls
  case " $* " in *' -i '*) starttls="" ;; esac
  CERTFILE=$SRV_CERT KEYFILE=$T/srv.key TEST_STATUS_FILE=$T/$name.status \
    start_tcpserver "$name" ${INETD:+sh -c 'exec "$@" 2>&1' sh} ucspitlsd "$@" ${INETD:+sh -c 'exec "$@" 2>/dev/null' sh} "$PY" "$APPS/smtpish.py" y
  holdclient "${name}_c" -p "$PORT" --ca "$CA" --gate $starttls
  hold_wait "${name}_c" connected
  conn_prog "$(eval echo "\$PID_$name")"; prog=$CONN_PROG
  wait_keyproc "$prog"
  check_fds "$name" "$KPID" "$CONN_TLS" "$T/srv.key"
  # and the handshake still works
  touch "$T/${name}_c.d/hello" "$T/${name}_c.d/go"
  wait_gone "$(eval echo "\$PID_${name}_c")" 30 || fail "$name: the client did not end"
  assert_file_contains "$T/${name}_c.out" ok "$name client"
  stop "$name"
}

server imm -i
server del
INETD=1 server imm_inetd -i

# the client: a server that reads and never answers
start_bg silent "$PY" "$APPS/silent-server.py" "$T/silent.port"
wait_file "$T/silent.port"
CERTFILE=$CLIENT_CERT KEYFILE=$T/client.key CAFILE=$CA start_bg cli \
  tcpclient -RHl0 127.0.0.1 "$(cat "$T/silent.port")" ucspitlsc -i -y -K 20000 -k localhost true
wait_keyproc "$PID_cli" ucspitlsc
check_fds client "$KPID" "$CONN_TLS" "$T/client.key"
stop cli
stop silent
start_bg silent2 "$PY" "$APPS/silent-server.py" "$T/silent2.port"
wait_file "$T/silent2.port"
CERTFILE=$CLIENT_CERT KEYFILE=$T/client.key CAFILE=$CA start_bg cli2 \
  tcpclient -RHl0 127.0.0.1 "$(cat "$T/silent2.port")" sh -c 'exec "$@" 2>&7' sh \
  ucspitlsc -i -y -K 20000 -k localhost true
wait_for 10 eval '[ "$(proc_comm "$PID_cli2")" = ucspitlsc ]' || fail "client_inetd: tcpclient did not exec ucspitlsc"
wait_keyproc "$PID_cli2" ucspitlsc
# the TLS child, given the connection as its stderr, writes to /dev/null
case $(readlink "/proc/$CONN_TLS/fd/2") in /dev/null) ;; *) fail "client_inetd: the TLS child's stderr is $(readlink "/proc/$CONN_TLS/fd/2"), not /dev/null" ;; esac
check_fds client_inetd "$KPID" "$CONN_TLS" "$T/client.key"
stop cli2
stop silent2
pass
