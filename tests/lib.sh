# tests/lib.sh -- sourced by every test: temp dir, processes, certificates,
# assertions.  A test is a bash script that starts its own processes through
# these helpers, bounds every wait, and ends with `pass` (or dies in `fail`).
#
# Variables
#   TOP        repository root; "$TOP/src" is first in PATH
#   T          this test's private temp dir, removed at exit
#   TESTNAME   basename of the test script, without .sh
#   APPS       "$TOP/tests/apps" (the test applications and clients)
#   PY         the python3 used for the apps and clients
#   PORT       set by start_tcpserver (the port it listens on, 127.0.0.1)
#   PID_<name> set by start_bg / start_tcpserver for each process started
#   UCSPITLS_TEST_ID   exported marker: every process a test starts inherits
#              it, which is how cleanup (and tests/run) find strays
#   UCSPITLS_KEEP      if set (by whoever runs the test), $T is kept
#   UCSPITLS_TEST_WRAPDIR  if set, a directory put before "$TOP/src" in
#              PATH: wrappers that run the programs under a tool
#              (tests/valgrind-run makes one)
#
# Apps (tests/apps/, each documented at its top): smtpish.py (the SMTP-like
# UCSPI-TLS server app), dumpenv.py (env + open fds to a file),
# tlsclient.py (scripted Python ssl client), chat.py (drives s_client /
# gnutls-cli line by line), record-exit (appends prog's exit status).
#
# Certificates (after `certs`; all PEM unless said; CA-signed unless said)
#   CERTDIR            where they are ($UCSPITLS_CERTDIR if set, else $T/certs)
#   CA CA_KEY          test root CA, EC P-256 (key PKCS#8)
#   CA_DIR             a directory holding the CA certificate, one per file
#   SRV_CERT SRV_KEY   EC P-256 server cert for localhost + test.example.org;
#                      key in SEC1 form ("EC PRIVATE KEY")
#   SRV_KEY_PKCS8      the same key, PKCS#8 ("PRIVATE KEY")
#   RSA_CERT RSA_KEY   RSA-2048 server cert, same names; key PKCS#8
#   RSA_KEY_PKCS1      the same RSA key, PKCS#1 ("RSA PRIVATE KEY")
#   MAIL_CERT MAIL_KEY EC, mail.example.org (key PKCS#8)
#   WILD_CERT WILD_KEY EC, *.example.net (key SEC1)
#   CLIENT_CERT CLIENT_KEY  client cert, subject CN=client,O=Test,
#                      clientAuth (key PKCS#8)
#   EXPIRED_CERT EXPIRED_KEY  EC, localhost, valid 2020-01-01..2020-04-01
#   SELF_CERT SELF_KEY self-signed EC, localhost + test.example.org (untrusted)
#   DER_CERT DER_KEY   the SRV pair in DER (key: SEC1 DER)
#   INTER_CERT         an intermediate CA signed by CA
#   CHAIN_CERT CHAIN_KEY  EC leaf for localhost signed by INTER_CERT; the
#                      file holds leaf then intermediate
#
# Functions
#   certs                       make (once) and export the certificates above
#   cert_sha256 FILE            lowercase hex SHA-256 of a PEM cert's DER
#   free_port                   print an unused 127.0.0.1 TCP port
#   start_bg NAME cmd...        run cmd in its own session, stdin /dev/null,
#                               stdout/stderr to $T/NAME.out / $T/NAME.err
#   start_tcpserver NAME prog...  tcpserver -H -R -l 0 on 127.0.0.1, port
#                               chosen by tcpserver (sets PORT); extra
#                               tcpserver options in $TCPSERVER_OPTS
#   wait_port PORT [SECS]       wait until 127.0.0.1:PORT is listening
#   wait_file FILE [SECS]       wait until FILE exists and is not empty
#   wait_lines FILE N [SECS]    wait until FILE has at least N lines
#   wait_for SECS cmd...        wait until cmd succeeds
#   wait_gone PID [SECS]        wait until PID has exited
#   stop NAME                   kill the process group started as NAME
#   with_timeout SECS cmd...    run cmd, killed after SECS (exit 124; KILL 3 s
#                               later if it ignores TERM)
#   fail MSG / pass             end the test
#   assert_eq EXPECTED ACTUAL [WHAT]
#   assert_contains HAYSTACK NEEDLE [WHAT]     (fixed string)
#   assert_not_contains HAYSTACK NEEDLE [WHAT]
#   assert_file_contains FILE NEEDLE [WHAT]
#   assert_file_not_contains FILE NEEDLE [WHAT]
#   say MSG                     print to stderr (the test's log)
#   cleanup                     the EXIT trap (see below)
#   starttls TEXT [S_CLIENT_ARGS...]
#                               a STARTTLS session to 127.0.0.1:$PORT with
#                               openssl s_client (-CAfile $CA -servername
#                               localhost -verify_return_error, then
#                               S_CLIENT_ARGS) driven by chat.py: once
#                               verified, "XECHO TEXT" must get "250 TEXT"
#                               (TEXT goes into a regex), then QUIT.  For a
#                               server whose app appends the TLS child's
#                               status to $T/status (smtpish.py).  Adds 1
#                               to sessions (N, from 0), removes $T/block
#                               first, logs to $T/scN.log; sets sc_rc (0
#                               when the encrypted dialogue worked) and st
#                               (line N of $T/status)
#   sclient_first EHLO TEXT     a test's first STARTTLS session, through
#                               openssl s_client -brief (-verify_hostname
#                               localhost, driven by chat.py): EHLO EHLO,
#                               "XECHO TEXT" must get "250 TEXT", QUIT;
#                               fails unless s_client got TLSv1.2 and the
#                               TLS child's status (line 1 of $T/status)
#                               is "exit 0".  Log: $T/sclient.log

set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APPS=$TOP/tests/apps  # used by the tests
PATH=${UCSPITLS_TEST_WRAPDIR:+$UCSPITLS_TEST_WRAPDIR:}$TOP/src:$PATH
export PATH
TESTNAME=$(basename "$0" .sh)
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
: "${UCSPITLS_TEST_ID:=$TESTNAME.$$.$RANDOM}"
export UCSPITLS_TEST_ID
export LC_ALL=C

# No fd beyond 2 may reach the processes under test (fds-inherited checks
# exactly what prog gets).  Close-on-exec fds (bash's own) are harmless.
_close_inherited_fds() {
  local f n flags
  for f in "/proc/$BASHPID/fd"/*; do
    n=${f##*/}
    [ "$n" -gt 2 ] 2>/dev/null || continue
    flags=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$BASHPID/fdinfo/$n" 2>/dev/null) || continue
    [ -n "$flags" ] || continue
    (( (8#$flags & 8#2000000) != 0 )) && continue
    eval "exec $n>&-"
  done
}
_close_inherited_fds

T=$(mktemp -d "${TMPDIR:-/tmp}/ucspitls-$TESTNAME.XXXXXX") || exit 111
PIDS=()
NAMES=()
_FAILED=0

trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

say() { printf '%s\n' "$*" >&2; }

# Print the tail of every log the test's processes wrote: the context a
# reader of a failure needs.
_show_logs() {
  local f
  for f in "$T"/*.err "$T"/*.out "$T"/*.log; do
    [ -s "$f" ] || continue
    grep -qv '^[0-9]*$' "$f" || continue   # tcpserver's port number
    say "--- ${f##*/} (last 15 lines)"
    tail -n 15 "$f" | cat -v >&2
  done
}

fail() {
  _FAILED=1
  say "FAIL: $TESTNAME: $*"
  _show_logs
  exit 1
}

pass() {
  say "ok: $TESTNAME"
  exit 0
}

assert_eq() {
  [ "$1" = "$2" ] || fail "${3:-value}: expected [$1], got [$2]"
}

assert_contains() {
  case $1 in *"$2"*) ;; *) fail "${3:-output} does not contain [$2]: [$1]" ;; esac
}

assert_not_contains() {
  case $1 in *"$2"*) fail "${3:-output} contains [$2]: [$1]" ;; esac
}

assert_file_contains() {
  [ -f "$1" ] || fail "${3:-$1}: no such file"
  grep -qF -- "$2" "$1" || fail "${3:-$1} does not contain [$2]: [$(cat -v "$1")]"
}

assert_file_not_contains() {
  [ -f "$1" ] || fail "${3:-$1}: no such file"
  if grep -qF -- "$2" "$1"; then fail "${3:-$1} contains [$2]: [$(cat -v "$1")]"; fi
}

# --foreground: stay in the test's process group, so that the runner's
# time-out signal reaches the command too
with_timeout() {
  local secs=$1; shift
  timeout --foreground -k 3 "$secs" "$@"
}

# wait_for SECS cmd... -- poll cmd every 20 ms until it succeeds.
wait_for() {
  local secs=$1; shift
  local deadline=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
  until "$@"; do
    (( ${EPOCHREALTIME/./} < deadline )) || return 1
    sleep 0.02
  done
}

_nonempty() { [ -s "$1" ]; }
_nlines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
_gone() { ! kill -0 "$1" 2>/dev/null || [ "$(_pstate "$1")" = Z ]; }
_pstate() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

wait_file() { wait_for "${2:-10}" _nonempty "$1" || fail "timed out waiting for $1"; }
wait_lines() { wait_for "${3:-10}" _nlines "$1" "$2" || fail "timed out waiting for $2 lines in $1"; }
wait_gone() { wait_for "${2:-10}" _gone "$1"; }

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
  printf -v "PID_$name" '%s' "$pid"
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

_group_gone() {
  ! kill -0 -- "-$1" 2>/dev/null && ! kill -0 "$1" 2>/dev/null && return 0
  # only zombies left?
  local p
  for p in $(pgrep -g "$1" 2>/dev/null); do
    [ "$(_pstate "$p")" = Z ] || return 1
  done
  [ "$(_pstate "$1")" = Z ] || ! kill -0 "$1" 2>/dev/null
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
  if [ "$rc" = 0 ] && [ -n "$(_strays ucspitlsd)" ]; then
    if ! wait_for 5 _no_strays ucspitlsd; then
      say "FAIL: $TESTNAME: ucspitlsd processes still running at the end:"
      _strays ucspitlsd >&2
      rc=1
    fi
  fi
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

# ---------------------------------------------------------------- certs

cert_sha256() {
  openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}

_gen_certs() (
  set -e
  cd "$1"
  exec 2>>gen.log >&2
  ossl() { openssl "$@"; }
  ecsec1() { ossl ecparam -name prime256v1 -genkey -noout -out "$1"; }
  ecpk8() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
  serial() { echo "0x$(ossl rand -hex 8)"; }
  ext_leaf() { # eku san...
    local eku=$1; shift
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n'
    printf 'extendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$eku"
    if [ $# -gt 0 ]; then
      local san="" n
      for n in "$@"; do san="$san${san:+,}DNS:$n"; done
      printf 'subjectAltName=%s\n' "$san"
    fi
  }
  sign() { # name key subject cacert cakey eku san...
    local name=$1 key=$2 subj=$3 cacert=$4 cakey=$5; shift 5
    ext_leaf "$@" >"$name.ext"
    ossl req -new -key "$key" -subj "$subj" -out "$name.csr"
    ossl x509 -req -in "$name.csr" -CA "$cacert" -CAkey "$cakey" -set_serial "$(serial)" \
      -days 3650 -sha256 -extfile "$name.ext" -out "$name.pem"
  }

  # the CA
  ecpk8 ca.key
  ossl req -new -x509 -key ca.key -sha256 -days 3650 -set_serial "$(serial)" \
    -subj "/O=ucspitls tests/CN=ucspitls test CA" -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  mkdir -p cadir && cp ca.pem cadir/ca.pem

  # EC server: SEC1 key, plus its PKCS#8 and DER forms
  ecsec1 srv-ec.key
  ossl pkcs8 -topk8 -nocrypt -in srv-ec.key -out srv-ec.p8.key
  sign srv-ec srv-ec.key /CN=localhost ca.pem ca.key serverAuth localhost test.example.org
  ossl x509 -in srv-ec.pem -outform DER -out srv-ec.der
  ossl ec -in srv-ec.key -outform DER -out srv-ec.key.der

  # RSA server: PKCS#8 key, plus PKCS#1
  ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out srv-rsa.key
  ossl rsa -in srv-rsa.key -traditional -out srv-rsa.pkcs1.key
  sign srv-rsa srv-rsa.key /CN=localhost ca.pem ca.key serverAuth localhost test.example.org

  ecpk8 mail.key
  sign mail mail.key /CN=mail.example.org ca.pem ca.key serverAuth mail.example.org
  ecsec1 wild.key
  sign wild wild.key "/CN=*.example.net" ca.pem ca.key serverAuth "*.example.net"
  ecpk8 client.key
  sign client client.key /CN=client/O=Test ca.pem ca.key clientAuth

  # expired: `openssl x509` cannot back-date, `openssl ca` can
  ecsec1 expired.key
  ossl req -new -key expired.key -subj /CN=localhost -out expired.csr
  ext_leaf serverAuth localhost test.example.org >expired.ext
  mkdir -p cadb && : >cadb/index.txt && echo 1000 >cadb/serial
  cat >ca.cnf <<'EOF'
[ ca ]
default_ca = testca
[ testca ]
database = cadb/index.txt
new_certs_dir = cadb
serial = cadb/serial
default_md = sha256
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
EOF
  ossl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
    -out expired.pem -startdate 20200101000000Z -enddate 20200401000000Z \
    -extfile expired.ext

  # self-signed, trusted by nobody
  ecsec1 self.key
  ossl req -new -x509 -key self.key -sha256 -days 3650 -subj /CN=localhost -out self.pem \
    -addext subjectAltName=DNS:localhost,DNS:test.example.org

  # a chain: CA -> intermediate -> leaf
  ecpk8 inter.key
  ossl req -new -key inter.key -subj "/O=ucspitls tests/CN=ucspitls test intermediate" -out inter.csr
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >inter.ext
  ossl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -set_serial "$(serial)" -days 3650 \
    -sha256 -extfile inter.ext -out inter.pem
  ecsec1 chain.key
  sign chain-leaf chain.key /CN=localhost inter.pem inter.key serverAuth localhost test.example.org
  cat chain-leaf.pem inter.pem >chain.pem

  rm -f ./*.csr
  touch .done
)

certs() {
  CERTDIR=${UCSPITLS_CERTDIR:-$T/certs}
  mkdir -p "$CERTDIR" || fail "cannot create $CERTDIR"
  if [ ! -e "$CERTDIR/.done" ]; then
    (
      flock 9 && { [ -e "$CERTDIR/.done" ] || _gen_certs "$CERTDIR"; }
    ) 9>"$CERTDIR/.lock" || fail "certificate generation failed: $(tail -n 5 "$CERTDIR/gen.log" 2>/dev/null)"
  fi
  export CERTDIR
  export CA=$CERTDIR/ca.pem CA_KEY=$CERTDIR/ca.key CA_DIR=$CERTDIR/cadir
  export SRV_CERT=$CERTDIR/srv-ec.pem SRV_KEY=$CERTDIR/srv-ec.key SRV_KEY_PKCS8=$CERTDIR/srv-ec.p8.key
  export RSA_CERT=$CERTDIR/srv-rsa.pem RSA_KEY=$CERTDIR/srv-rsa.key RSA_KEY_PKCS1=$CERTDIR/srv-rsa.pkcs1.key
  export MAIL_CERT=$CERTDIR/mail.pem MAIL_KEY=$CERTDIR/mail.key
  export WILD_CERT=$CERTDIR/wild.pem WILD_KEY=$CERTDIR/wild.key
  export CLIENT_CERT=$CERTDIR/client.pem CLIENT_KEY=$CERTDIR/client.key
  export EXPIRED_CERT=$CERTDIR/expired.pem EXPIRED_KEY=$CERTDIR/expired.key
  export SELF_CERT=$CERTDIR/self.pem SELF_KEY=$CERTDIR/self.key
  export DER_CERT=$CERTDIR/srv-ec.der DER_KEY=$CERTDIR/srv-ec.key.der
  export INTER_CERT=$CERTDIR/inter.pem CHAIN_CERT=$CERTDIR/chain.pem CHAIN_KEY=$CERTDIR/chain.key
}

[ -n "${UCSPITLS_CERTS_ONLY:-}" ] || [ -x "$TOP/src/ucspitlsd" ] || fail "$TOP/src/ucspitlsd is not built (run make)"

# starttls TEXT [S_CLIENT_ARGS...] -- see the header
# shellcheck disable=SC2034  # sc_rc, st: for the test
starttls() {
  local text=$1; shift
  sessions=$((${sessions:-0} + 1))
  rm -f "$T/block"
  with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
    'expect ^Verification: OK' \
    "send XECHO $text" "expect ^250 $text\$" \
    'send QUIT' 'expect ^221 ' 'exit any' \
    -- openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" -CAfile "$CA" \
         -verify_return_error -servername localhost -crlf -ign_eof "$@" \
         >"$T/sc$sessions.log" 2>&1
  sc_rc=$?
  wait_lines "$T/status" "$sessions"
  st=$(sed -n "${sessions}p" "$T/status")
}

sclient_first() {
  local ehlo=$1 text=$2
  with_timeout 40 "$PY" "$APPS/chat.py" -t 30 \
    'expect ^Verification: OK' \
    "send EHLO $ehlo" 'expect ^250 HELP' \
    "send XECHO $text" "expect ^250 $text\$" \
    'send QUIT' 'expect ^221 ' 'exit any' \
    -- openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" -CAfile "$CA" \
         -verify_return_error -verify_hostname localhost -servername localhost \
         -brief -crlf -ign_eof >"$T/sclient.log" 2>&1 \
    || fail "openssl s_client session failed"
  grep -q '^Protocol version: TLSv1.2' "$T/sclient.log" || fail "s_client did not get TLSv1.2"
  wait_lines "$T/status" 1
  assert_eq "exit 0" "$(sed -n 1p "$T/status")" "TLS child status after s_client"
}

# --- added for hostile tests
# (hostile-*, ctl-*, fds-no-leak, load-500)
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
#                       ERE), then the -v2 line ending " end=END" (an ERE
#                       too); and no ucspitlsd or ucspitlsc process is
#                       left ($TLSPROG names the program in the lines:
#                       ucspitlsc for the client side; default ucspitlsd)
#   total_within NAME MIN MAX   the connection ended MIN to MAX seconds
#                       after the client connected (see below)
#   only_tls_back NAME  what the server sent back is TLS records or nothing
#   wait_no_ucspitlsd [SECS]    wait until no ucspitlsd (nor ucspitlsc) of
#                       this test runs
#   status_line FILE            the first line of FILE, "-" if none

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
  sed -n 1p "$f" | grep -qE -- "$reason" || fail "$name: the fatal line does not name [$reason]: $(sed -n 1p "$f")"
  sed -n 2p "$f" | grep -qE "^$p: info: peer=.* end=($end)\$" || fail "$name: no -v2 line with end=$end: $(sed -n 2p "$f")"
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

# --- added for starttls-smtpd
#
#   exim_conf                   write $T/exim/exim.conf (below); sets EXIM
#                               (an array: the server's command line),
#                               EXIM_SPOOL (where queued messages are),
#                               EXIM_LOG (exim's main log)
#   start_smtpd NAME [opts]     tcpserver, ucspitlsd -v2 with SRV_CERT/SRV_KEY,
#                               starttls-smtpd [opts] in front of "${EXIM[@]}"
#                               (sets PORT); each exit status of
#                               starttls-smtpd goes to $T/NAME.status
#
# The server behind starttls-smtpd is Debian's exim4, unpatched, in -bs
# mode (SMTP on stdin and stdout, as under tcpserver), with a
# configuration of our own: spool and logs under $T/exim, mail queued and
# never delivered, every message given "X-TLS: <cipher>" and every MAIL
# command logged as "mail from=<addr> tls=<cipher>", the cipher being
# SSL_CIPHER in exim's environment, or "none"; AUTH PLAIN takes user
# "user", password "pass".  Its own STARTTLS and CHUNKING keywords are
# left at their defaults (advertised).

exim_conf() {
  local d=$T/exim
  mkdir -p "$d/spool" "$d/log" && : >"$d/log/mainlog" || fail "cannot create $d"
  cat >"$d/exim.conf" <<EOC || fail "cannot write $d/exim.conf"
primary_hostname = mx.test
spool_directory = $d/spool
log_file_path = $d/log/%slog
exim_user = $(id -un)
exim_group = $(id -gn)
never_users =
queue_only = true
smtp_accept_max_nonmail_hosts =
keep_environment = SSL_PROTOCOL : SSL_CIPHER : SSL_TLS_SNI_SERVERNAME
acl_smtp_mail = acl_mail
acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data

begin acl
acl_mail:
  accept logwrite = mail from=<\$sender_address> tls=\${env{SSL_CIPHER}{\$value}{none}}
acl_rcpt:
  accept
acl_data:
  accept add_header = X-TLS: \${env{SSL_CIPHER}{\$value}{none}}

begin routers
begin transports

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and {{eq{\$auth2}{user}}{eq{\$auth3}{pass}}}}
  server_set_id = \$auth2
EOC
  EXIM=(exim4 -C "$d/exim.conf" -bs)
  EXIM_SPOOL=$d/spool/input
  EXIM_LOG=$d/log/mainlog
}

start_smtpd() {
  local name=$1; shift
  [ -n "${EXIM_LOG:-}" ] || exim_conf
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "$name" ucspitlsd -v2 \
    "$APPS/record-exit" "$T/$name.status" starttls-smtpd "$@" "${EXIM[@]}"
}

# --- added for s6-supervised.sh (tests that bring a whole tree down and
# must see it gone)
#   port_listening PORT   true while something listens on TCP port PORT
#   strays_left           print "pid comm args" of each live process that
#                         carries this test's marker (nothing: all gone)
port_listening() { _listening "$1"; }
strays_left() { _strays; }

# --- added for halfclose
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
  [[ ${l[0]} =~ ^$2:\ info:\ peer=[^\ ]+\ sni=localhost\ protocol=TLSv1\.2\ cipher=[A-Z0-9-]+\ in=$3\ out=$4\ duration=[0-9]+\.[0-9]{3}\ end=ok$ ]] \
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
