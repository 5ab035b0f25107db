# tests/lib/keyproc.sh -- the processes of one connection, for the key
# separation tests (key-not-in-memory, keyproc-*).  A connection's
# processes: prog (the pid that tcpserver gave it, or ucspitlsc's own pid
# under tcpclient), the TLS child (prog's child, named after the program)
# and, during a handshake, the key process (the TLS child's child).
#
#   children PID            the pids of PID's children, zombies included
#                           (from /proc)
#   conn_prog TOP           set CONN_PROG to the pid that tcpserver TOP
#                           gave its one connection, past a record-exit
#                           shell (TOP may also be a record-exit shell,
#                           or tcpclient running one); waits (10 s) for
#                           it, fails unless there is exactly one
#   conn_procs PROG [NAME]  set CONN_TLS (PROG's child whose comm is NAME,
#                           default ucspitlsd; empty if none, fails if
#                           more than one) and CONN_KEYS (the TLS child's
#                           children, space-separated; empty if none)
#   wait_keyproc PROG [NAME] [SECS]  wait (default 10 s) until the TLS
#                           child of PROG has a child; then conn_procs,
#                           and KPID is that child (fails if none or more
#                           than one)
#   holdclient NAME ARGS... start tests/apps/holdclient.py ARGS --dir
#                           $T/NAME.d in the background as NAME
#   hold_wait NAME FILE [SECS]  wait until holdclient NAME made FILE
#                           (connected, ready) in its dir; fails (with
#                           its output) if it did not
#   proc_comm PID           the comm of PID (empty if gone)
#   proc_alive PID          PID exists and is not a zombie

children() {
  local f st
  for f in /proc/[0-9]*/stat; do
    read -r st 2>/dev/null <"$f" || continue
    st=${st##*) }  # after "(comm) ": state ppid ...
    set -- "$1" $st
    [ "$3" = "$1" ] && { f=${f#/proc/}; echo "${f%/stat}"; }
  done
  return 0
}

proc_comm() { cat "/proc/$1/comm" 2>/dev/null; }

proc_alive() { local s; s=$(_pstate "$1"); [ -n "$s" ] && [ "$s" != Z ]; }  # no status: reaped

_one_child() { [ "$(children "$1" | wc -l)" = 1 ]; }

_cmd() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null; }
_isrx() { _cmd "$1" | grep -q 'record-exit'; }
# a fork that has not exec'd yet still has its parent's command line
_execd() { [ "$(_cmd "$1")" != "$(_cmd "$2")" ]; }

conn_prog() {
  local top=$1 c
  # start_bg's subshell forks (sed, for its fds) before it execs: wait
  # until top is the program, no longer a copy of this shell
  wait_for 10 _execd "$$" "$top" || fail "$top did not exec"
  wait_for 10 _one_child "$top" || fail "not one connection process under $top: [$(children "$top" | tr '\n' ' ')]"
  c=$(children "$top")
  wait_for 10 _execd "$top" "$c" || fail "the child $c of $top did not exec"
  if _isrx "$c"; then   # tcpserver -> record-exit -> prog
    wait_for 10 _one_child "$c" || fail "record-exit $c under $top has not one child: [$(children "$c" | tr '\n' ' ')]"
    top=$c
    c=$(children "$c")
    wait_for 10 _execd "$top" "$c" || fail "the child $c of record-exit $top did not exec"
  fi
  CONN_PROG=$c
}

conn_procs() {
  local prog=$1 name=${2:-ucspitlsd} c
  CONN_TLS="" CONN_KEYS=""
  for c in $(children "$prog"); do
    [ "$(proc_comm "$c")" = "$name" ] && CONN_TLS="$CONN_TLS $c"
  done
  CONN_TLS=${CONN_TLS# }
  case $CONN_TLS in *' '*) fail "prog $prog has more than one TLS child: $CONN_TLS" ;; esac
  [ -n "$CONN_TLS" ] || return 0
  CONN_KEYS=$(children "$CONN_TLS" | tr '\n' ' ')
  CONN_KEYS=${CONN_KEYS% }
  return 0
}

_has_keyproc() { conn_procs "$1" "$2"; [ -n "$CONN_KEYS" ]; }

wait_keyproc() {
  local prog=$1 name=${2:-ucspitlsd}
  wait_for "${3:-10}" _has_keyproc "$prog" "$name" \
    || fail "no key process: the TLS child (${CONN_TLS:-none}) of prog $prog has no child"
  case $CONN_KEYS in *' '*) fail "the TLS child $CONN_TLS has more than one child: $CONN_KEYS" ;; esac
  KPID=$CONN_KEYS
}

holdclient() {
  local name=$1; shift
  mkdir -p "$T/$name.d"
  PYTHONPATH=$APPS start_bg "$name" "$PY" "$APPS/holdclient.py" "$@" --dir "$T/$name.d"
}

hold_wait() {
  local name=$1 file=$2
  wait_for "${3:-20}" test -e "$T/$name.d/$file" \
    || fail "$name: no $file: $(tr '\n' '|' <"$T/$name.out") $(tr '\n' '|' <"$T/$name.err")"
}
