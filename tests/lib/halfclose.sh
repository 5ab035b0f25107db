# tests/lib/halfclose.sh -- the half-close runs
# (halfclose-random, halfclose-pause-reply, halfclose-late-notify)
#
# A run is one connection: tcpclient, `ucspitlsc -v2 -k localhost COPTS`,
# tests/apps/halfclose-app.py side=c CAPP on one end; tcpserver,
# `ucspitlsd -v2 SOPTS` (the SRV pair), halfclose-app.py side=s SAPP on the
# other.  Each app writes its stream, reads the peer's, and says in
# DIR/c.res, DIR/s.res what it sent and received (see the app).
#
#   halfclose_lane K    start tcpserver "laneK", which serves the runs of
#                       lane K one after the other through
#                       tests/apps/halfclose-serve; sets PORT_laneK
#   halfclose_run K ID COPTS SOPTS CAPP SAPP
#                       one run on lane K, in the directory $T/ID, within
#                       $HALFCLOSE_LIMIT seconds (default 30; the apps
#                       give up 3 s before, saying where they were stuck;
#                       and 5 s more for the processes to go).  Succeeds when both apps
#                       exited 0 with no error, each received exactly what
#                       the other sent (length and SHA-256), each TLS
#                       child exited 0, each side's stderr is exactly one
#                       -v2 line "... in=N out=N ... end=ok" with the right
#                       counts, and no process of the run is left
#                       (ucspitlsd, ucspitlsc, app, tcpclient).  Else it
#                       returns 1 with the reasons in $T/ID/why, having
#                       killed what was left.  Safe in a background
#                       subshell (it never calls fail); one run at a time
#                       per lane.
#   halfclose_procs ID  pids of the live processes of run ID (the ones
#                       with HALFCLOSE_RUNID=ID in their environment)

halfclose_lane() {
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "lane$1" \
    "$APPS/halfclose-serve" "$T/lane$1.cur" "$PY"
  eval "PORT_lane$1=\$PORT"
}

halfclose_procs() {
  local f
  f=$(grep -lsxz "HALFCLOSE_RUNID=$1" /proc/[0-9]*/environ)
  f=${f//\/proc\//}
  printf '%s' "${f//\/environ/}"
}

_halfclose_why() { printf '%s\n' "$*" >>"$_hc_dir/why"; }

# _halfclose_res FILE PREFIX -- PREFIX_pid, PREFIX_sn PREFIX_sh (sent:
# bytes and sha256), PREFIX_rn PREFIX_rh (received), PREFIX_tls ("exit 0"),
# PREFIX_err (the "err" lines, "|"-separated) from an app's result file.
# Builtins only: a run forks as little as it can (forks are what a run
# costs most on a busy machine).
_halfclose_res() {
  local k a b pid='' sn='' sh='' rn='' rh='' tls='' err=''
  while read -r k a b; do
    case $k in
      pid) pid=$a ;;
      sent) sn=$a sh=$b ;;
      recv) rn=$a rh=$b ;;
      tls) tls="$a $b" ;;
      err) err="$err${err:+|}$a${b:+ $b}" ;;
    esac
  done <"$1"
  printf -v "$2_pid" %s "$pid"
  printf -v "$2_sn" %s "$sn"; printf -v "$2_sh" %s "$sh"
  printf -v "$2_rn" %s "$rn"; printf -v "$2_rh" %s "$rh"
  printf -v "$2_tls" %s "$tls"; printf -v "$2_err" %s "$err"
}

# _halfclose_v2 FILE PROG IN OUT -- FILE is exactly PROG's one -v2 line,
# with in=IN out=OUT end=ok
_halfclose_v2() {
  local l
  mapfile -t l <"$1"
  if [ "${#l[@]}" != 1 ]; then
    _halfclose_why "$2: ${#l[@]} lines on stderr, not 1: $(printf '%s|' "${l[@]}" | cut -c1-800)"
    return
  fi
  # the client's line tells its verification policy and how it ended
  local pol=
  [ "$2" = ucspitlsc ] && pol='\ policy=pkix\ verify=SUCCESS'
  [[ ${l[0]} =~ ^$2:\ info:\ peer=[^\ ]+\ sni=localhost\ protocol=TLSv1\.2\ cipher=[A-Z0-9-]+\ session=[0-9a-f]+\ resumed=no\ in=$3\ out=$4\ duration=[0-9]+\.[0-9]{3}$pol\ end=ok$ ]] \
    || _halfclose_why "$2: not the -v2 line expected (in=$3 out=$4 end=ok): ${l[0]}"
}

# _halfclose_until USEC cmd... -- poll cmd (a builtin, for the cost) every
# 10 ms until it succeeds or the clock passes USEC
_halfclose_until() {
  local end=$1; shift
  until "$@"; do
    (( ${EPOCHREALTIME/./} < end )) || return 1
    sleep 0.01
  done
}

_halfclose_gone() { [ -z "$1" ] || ! kill -0 "$1" 2>/dev/null; }

halfclose_run() {
  local lane=$1 id=$2 copts=$3 sopts=$4 capp=$5 sapp=$6 port rc left p
  local limit=${HALFCLOSE_LIMIT:-30} deadline
  local _hc_dir=$T/$id
  # shellcheck disable=SC2034  # set by _halfclose_res
  local c_pid c_sn c_sh c_rn c_rh c_tls c_err s_pid s_sn s_sh s_rn s_rh s_tls s_err
  eval "port=\$PORT_lane$lane"
  mkdir "$_hc_dir" || return 1
  # the apps give up a little before we do, to say where they were stuck
  printf '%s\n%s\n' "$sopts" "dir=$_hc_dir side=s limit=$((limit > 5 ? limit - 3 : 2)) $sapp" >"$_hc_dir/srv.args"
  printf '%s\n' "$_hc_dir" >"$T/lane$lane.cur"
  deadline=$(( ${EPOCHREALTIME/./} + limit * 1000000 ))
  # shellcheck disable=SC2086
  HALFCLOSE_RUNID=$id CAFILE=$CA with_timeout "$limit" tcpclient -RHl0 127.0.0.1 "$port" \
    ucspitlsc -v2 -k localhost $copts "$PY" "$APPS/halfclose-app.py" "dir=$_hc_dir" side=c "limit=$((limit > 5 ? limit - 3 : 2))" $capp \
    </dev/null >"$_hc_dir/cli.out" 2>"$_hc_dir/cli.err"
  rc=$?
  [ "$rc" = 0 ] || _halfclose_why "the client side exited $rc$( [ "$rc" = 124 ] && echo " (killed after ${limit}s)")"
  _halfclose_until "$deadline" test -e "$_hc_dir/s.res"
  [ -e "$_hc_dir/s.res" ] && _halfclose_res "$_hc_dir/s.res" s
  # the apps reaped their TLS children; the server's app must go too, and
  # then nothing of the run may be left
  deadline=$(( ${EPOCHREALTIME/./} + 5000000 ))
  _halfclose_until "$deadline" _halfclose_gone "${s_pid:-}"
  left=$(halfclose_procs "$id")
  [ -z "$left" ] || { sleep 0.2; left=$(halfclose_procs "$id"); }
  if [ -n "$left" ]; then
    _halfclose_why "processes left (killed): $(for p in $left; do printf '%s[%s] ' "$(cat "/proc/$p/comm" 2>/dev/null)" "$p"; done)"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
  fi
  if [ -e "$_hc_dir/c.res" ] && [ -e "$_hc_dir/s.res" ]; then
    _halfclose_res "$_hc_dir/c.res" c
    [ "$c_tls" = "exit 0" ] || _halfclose_why "client TLS child: $c_tls"
    [ "$s_tls" = "exit 0" ] || _halfclose_why "server TLS child: $s_tls"
    [ "$c_sn $c_sh" = "$s_rn $s_rh" ] || _halfclose_why "client->server: sent $c_sn bytes, received $s_rn ($([ "$c_sh" = "$s_rh" ] && echo same || echo different) sha256)"
    [ "$s_sn $s_sh" = "$c_rn $c_rh" ] || _halfclose_why "server->client: sent $s_sn bytes, received $c_rn ($([ "$s_sh" = "$c_rh" ] && echo same || echo different) sha256)"
    [ -z "$c_err" ] || _halfclose_why "client app: $c_err"
    [ -z "$s_err" ] || _halfclose_why "server app: $s_err"
    _halfclose_v2 "$_hc_dir/cli.err" ucspitlsc "$s_sn" "$c_sn"
    _halfclose_v2 "$_hc_dir/srv.err" ucspitlsd "$c_sn" "$s_sn"
  else
    for p in c s; do [ -e "$_hc_dir/$p.res" ] || _halfclose_why "no result from the $p app"; done
    for p in cli srv; do
      [ -s "$_hc_dir/$p.err" ] && _halfclose_why "$p.err: $(tr '\n' '|' <"$_hc_dir/$p.err" | cut -c1-800)"
    done
  fi
  [ ! -e "$_hc_dir/why" ]
}
