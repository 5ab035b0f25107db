# tests/lib/hostile.sh -- hostile peers against ucspitlsd
# (hostile-*, ctl-*, alert-*, empty-records-handshake, prog-exit-peer-silent,
# fds-no-leak, load-500)
#
#   hostile_server NAME OPTS...  tcpserver running, for each connection,
#                       record-exit $T/NAME.wrapper ucspitlsd -v2 OPTS \
#                         echo-wait.py $T/NAME.child
#                       with the SRV pair: NAME.wrapper gets the wrapper's
#                       status ("exit 98" when an -i handshake fails and
#                       prog never runs), NAME.child the TLS child's as
#                       echo-wait saw it (only once prog ran)
#   starttls_server NAME OPTS... the same for delayed mode, prog smtpish.py
#                       (control byte y): NAME.child gets the TLS child's
#                       status, $T/NAME.log smtpish's events
#   hostile NAME CASE [ARGS...]  tests/apps/hostile.py CASE against server
#                       NAME; output in $T/NAME.client; fails unless the
#                       client says the server ended the connection
#   closed_within NAME MAX [MIN] the client saw the end less than MAX
#                       (and at least MIN) seconds after its last byte
#                       ("closed after S s")
#   expect_end NAME WRAPPER CHILD END REASON
#                       once the connection to NAME is over: NAME.wrapper
#                       holds WRAPPER ("-": no line at all), NAME.child
#                       holds CHILD (same), NAME.err has exactly two lines:
#                       one "ucspitlsd: fatal: " line containing REASON (an
#                       ERE; matched without the line's " (peer=...)"
#                       tail, see untail), then the -v2 line ending " end=END" (an ERE
#                       too); and no ucspitlsd or ucspitlsc process is
#                       left ($TLSPROG names the program in the lines:
#                       ucspitlsc for the client side; default ucspitlsd)
#   expect_ok NAME      once the connection to NAME is over: NAME.child
#                       holds "exit 0", NAME.err is exactly the -v2 line,
#                       with end=ok; no ucspitlsd or ucspitlsc is left
#   total_within NAME MIN MAX   the connection ended MIN to MAX seconds
#                       after the client connected (see below)
#   only_tls_back NAME  what the server sent back is TLS records or nothing
#   wait_no_ucspitlsd [SECS]    wait until no ucspitlsd (nor ucspitlsc) of
#                       this test runs
#   status_line FILE            the first line of FILE, "-" if none
#   untail                      stdin to stdout, less the " (peer=IP:PORT)"
#                       that ends every warning and fatal line of a
#                       connection

hostile_server() {
  local name=$1; shift
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$name" \
    "$APPS/record-exit" "$T/$name.wrapper" ucspitlsd -v2 "$@" "$PY" "$APPS/echo-wait.py" "$T/$name.child"
  eval "PORT_$name=\$PORT"
}

starttls_server() {
  local name=$1; shift
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_STATUS_FILE=$T/$name.child TEST_LOG=$T/$name.log \
    start_tcpserver "$name" "$APPS/record-exit" "$T/$name.wrapper" ucspitlsd -v2 "$@" "$PY" "$APPS/smtpish.py" y
  eval "PORT_$name=\$PORT"
}

hostile() {
  local name=$1 case=$2 port; shift 2
  eval "port=\$PORT_$name"
  with_timeout 120 "$PY" "$APPS/hostile.py" -p "$port" "$@" "$case" >"$T/$name.client" 2>&1
  local rc=$?
  [ "$rc" = 0 ] || fail "$name: hostile client $case: exit $rc: $(tr '\n' '|' <"$T/$name.client")"
}

closed_within() {
  local s
  s=$(sed -n 's/^closed after \([0-9.]*\) s.*/\1/p' "$T/$1.client")
  [ -n "$s" ] || fail "$1: the client did not see the connection end: $(tr '\n' '|' <"$T/$1.client")"
  awk -v s="$s" -v max="$2" -v min="${3:-0}" 'BEGIN { exit !(s < max && s >= min) }' \
    || fail "$1: the connection ended ${s}s after the client's last byte (expected ${3:-0} to ${2}s)"
}

untail() { sed 's/ (peer=[^)]*)$//'; }

status_line() {
  local l
  l=$(head -n 1 "$1" 2>/dev/null)
  printf '%s\n' "${l:--}"
}

_no_tls_strays() { _no_strays ucspitlsd && _no_strays ucspitlsc; }
wait_no_ucspitlsd() {
  wait_for "${1:-10}" _no_tls_strays \
    || fail "ucspitlsd/ucspitlsc processes left: $( (_strays ucspitlsd; _strays ucspitlsc) | tr '\n' '|')"
}

expect_end() {
  local name=$1 wstat=$2 cstat=$3 end=$4 reason=$5 f p=${TLSPROG:-ucspitlsd}
  [ "$wstat" = - ] || wait_lines "$T/$name.wrapper" 1 30
  [ "$cstat" = - ] || wait_lines "$T/$name.child" 1 30
  wait_lines "$T/$name.err" 2 30
  sleep 0.2   # anything that would follow
  assert_eq "$wstat" "$(status_line "$T/$name.wrapper")" "$name: wrapper status"
  assert_eq "$cstat" "$(status_line "$T/$name.child")" "$name: TLS child status"
  f=$T/$name.err
  assert_eq 2 "$(wc -l <"$f")" "$name: number of lines on stderr"
  sed -n 1p "$f" | grep -q "^$p: fatal: " || fail "$name: the first line is not a fatal one: $(sed -n 1p "$f")"
  sed -n 1p "$f" | untail | grep -qE -- "$reason" || fail "$name: the fatal line does not name [$reason]: $(sed -n 1p "$f")"
  sed -n 2p "$f" | grep -qE "^$p: info: peer=.* end=($end)\$" || fail "$name: no -v2 line with end=$end: $(sed -n 2p "$f")"
  wait_no_ucspitlsd
}

expect_ok() {
  local name=$1 p=${TLSPROG:-ucspitlsd}
  wait_lines "$T/$name.child" 1 30
  wait_lines "$T/$name.err" 1 10
  sleep 0.2   # anything that would follow
  assert_eq "exit 0" "$(status_line "$T/$name.child")" "$name: TLS child status"
  assert_eq 1 "$(wc -l <"$T/$name.err")" "$name: lines on stderr: $(cat -v "$T/$name.err")"
  grep -qE "^$p: info: peer=.* end=ok\$" "$T/$name.err" || fail "$name: not an end=ok -v2 line: $(cat -v "$T/$name.err")"
  wait_no_ucspitlsd
}

# total_within NAME MIN MAX -- the connection ended between MIN and MAX
# seconds after the client connected (after the STARTTLS reply with
# --starttls)
total_within() {
  local s
  s=$(sed -n 's/^closed after .* s after connecting$/&/p' "$T/$1.client" | sed 's/.*, \([0-9.]*\) s after connecting$/\1/')
  [ -n "$s" ] || fail "$1: the client did not see the connection end: $(tr '\n' '|' <"$T/$1.client")"
  awk -v s="$s" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s >= lo && s < hi) }' \
    || fail "$1: the connection ended ${s}s after it started (expected between $2 and $3)"
}

# only_tls_back NAME -- what the server sent after the misbehaviour is
# whole TLS records (or nothing): never plaintext
only_tls_back() {
  grep -q '^records: ' "$T/$1.client" || fail "$1: the server sent something that is not TLS: $(tr '\n' '|' <"$T/$1.client")"
}
