# tests/lib/procs.sh -- processes and ports: starting servers, stopping
# them, finding what a test left behind (the EXIT trap `cleanup`).
#
#   free_port                   print an unused 127.0.0.1 TCP port
#   start_bg NAME cmd...        run cmd in its own session, stdin /dev/null,
#                               stdout/stderr to $T/NAME.out / $T/NAME.err
#   start_tcpserver NAME prog...  tcpserver -H -R -l 0 on 127.0.0.1, port
#                               chosen by tcpserver (sets PORT); extra
#                               tcpserver options in $TCPSERVER_OPTS
#   wait_port PORT [SECS]       wait until 127.0.0.1:PORT is listening
#   stop NAME                   kill the process group started as NAME
#   _children PID               the pids of PID's live children
#   cleanup                     the EXIT trap (see below)

_listening() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

wait_port() {
  wait_for "${2:-10}" _listening "$1" || fail "nothing listening on port $1"
}

free_port() {
  "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_bg NAME cmd... -- the process leads its own session and process
# group, so that stop/cleanup can kill it with everything it forked.
start_bg() {
  local name=$1; shift
  (
    _close_inherited_fds
    exec setsid "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err"
  ) &
  local pid=$!
  PIDS+=("$pid")
  NAMES+=("$name")
  printf -v "PID_${name//[!A-Za-z0-9_]/_}" %s "$pid"
}

start_tcpserver() {
  local name=$1; shift
  # shellcheck disable=SC2086
  start_bg "$name" tcpserver -1 -H -R -l 0 ${TCPSERVER_OPTS:-} 127.0.0.1 0 "$@"
  wait_for 10 _nonempty "$T/$name.out" || fail "tcpserver $name did not start: $(cat "$T/$name.err")"
  PORT=$(head -n 1 "$T/$name.out")
  case $PORT in ''|*[!0-9]*) fail "tcpserver $name printed no port: [$PORT]" ;; esac
  wait_port "$PORT"
}

_killgroup() {
  local pid=$1
  kill -TERM -- "-$pid" 2>/dev/null
  kill -TERM "$pid" 2>/dev/null
  if ! wait_for 3 _group_gone "$pid"; then
    kill -KILL -- "-$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
    wait_for 3 _group_gone "$pid"
  fi
  wait "$pid" 2>/dev/null
  return 0
}

# _group_gone PID -- true when no process but zombies is left of PID and
# of its process group.  Read from /proc, with no tool that may be
# missing: a cleanup that could not see the group would kill nothing.
_group_gone() {
  ! kill -0 -- "-$1" 2>/dev/null && ! kill -0 "$1" 2>/dev/null && return 0
  local f st
  for f in /proc/[0-9]*/stat; do
    read -r st 2>/dev/null <"$f" || continue
    # after "(comm) ": state ppid pgrp ...
    st=${st##*) }
    set -- "$1" $st
    [ "$4" = "$1" ] || [ "${f//[!0-9]/}" = "$1" ] || continue
    [ "$2" = Z ] || return 1
  done
  return 0
}

# _children PID -- the pids of PID's live children, one a line (from /proc)
_children() {
  local f st
  for f in /proc/[0-9]*/stat; do
    read -r st 2>/dev/null <"$f" || continue
    st=${st##*) }
    set -- "$1" $st
    [ "$3" = "$1" ] && [ "$2" != Z ] && { f=${f#/proc/}; echo "${f%/stat}"; }
  done
  return 0
}

stop() {
  local name=$1 i
  for i in "${!NAMES[@]}"; do
    [ "${NAMES[$i]}" = "$name" ] || continue
    _killgroup "${PIDS[$i]}"
  done
}

# _strays [comm] -- "pid comm args" of each live process carrying this
# test's marker, other than this shell and the scan itself.
_strays() {
  "$PY" - "$UCSPITLS_TEST_ID" "${1:-}" <<'EOF'
import os, sys
marker = ("UCSPITLS_TEST_ID=" + sys.argv[1]).encode()
want = sys.argv[2]
mine = set()
p = os.getpid()
while p > 1:
    mine.add(p)
    try:
        with open("/proc/%d/stat" % p) as f:
            p = int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        break
for d in os.listdir("/proc"):
    if not d.isdigit() or int(d) in mine:
        continue
    try:
        with open("/proc/%s/environ" % d, "rb") as f:
            env = f.read().split(b"\0")
        with open("/proc/%s/stat" % d) as f:
            st = f.read()
        with open("/proc/%s/cmdline" % d, "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    comm = st[st.index("(") + 1:st.rindex(")")]
    if st.rsplit(")", 1)[1].split()[0] == "Z" or marker not in env:
        continue
    if want and comm != want:
        continue
    print(d, comm, cmd)
EOF
}

# cleanup (EXIT trap): when the test has passed so far, every ucspitlsd it
# caused must have ended on its own (a lingering TLS child is a leak and
# fails the test).  Then every process group started is killed, any other
# process still carrying the marker is killed and reported, and $T goes.
cleanup() {
  local rc=$? s pid
  trap - EXIT TERM INT HUP
  [ "$_FAILED" = 1 ] && rc=1
  # (under tests/valgrind-run, a TLS child's comm is valgrind's, and it
  # ends more slowly)
  local tls
  for tls in ucspitlsd ${UCSPITLS_TEST_WRAPDIR:+memcheck-amd64-}; do
    [ "$rc" = 0 ] && [ -n "$(_strays "$tls")" ] || continue
    if ! wait_for 5 _no_strays "$tls"; then
      say "FAIL: $TESTNAME: $tls processes still running at the end:"
      _strays "$tls" >&2
      rc=1
    fi
  done
  for pid in "${PIDS[@]}"; do _killgroup "$pid"; done
  s=$(_strays)
  if [ -n "$s" ]; then
    say "FAIL: $TESTNAME: stray processes (killed):"
    say "$s"
    for pid in $(printf '%s\n' "$s" | cut -d' ' -f1); do kill -KILL "$pid" 2>/dev/null; done
    rc=1
  fi
  [ "$rc" = 0 ] || [ "$_FAILED" = 1 ] || _show_logs
  if [ -n "${UCSPITLS_KEEP:-}" ]; then say "kept $T"; else rm -rf "$T"; fi
  exit "$rc"
}

_no_strays() { [ -z "$(_strays "${1:-}")" ]; }

# --- added for s6-supervised.sh (tests that bring a whole tree down and
# must see it gone)
#   port_listening PORT   true while something listens on TCP port PORT
#   strays_left           print "pid comm args" of each live process that
#                         carries this test's marker (nothing: all gone)
port_listening() { _listening "$1"; }
strays_left() { _strays; }
