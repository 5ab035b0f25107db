# tests/lib.sh -- sourced by every test: temp dir, processes, certificates,
# assertions.  A test is a bash script that starts its own processes through
# these helpers, bounds every wait, and ends with `pass` (or dies in `fail`).
#
# Variables
#   TOP        repository root
#   T          this test's private temp dir, removed at exit
#   TESTNAME   basename of the test script, without .sh
#   APPS       "$TOP/tests/apps" (the test applications and clients)
#   PY         the python3 used for the apps and clients
#   PORT       set by start_tcpserver (the port it listens on, 127.0.0.1)
#   PID_<name> set by start_bg / start_tcpserver for each process started
#   UCSPITLS_TEST_ID   exported marker: every process a test starts inherits
#              it, which is how cleanup (and tests/run) find strays
#   UCSPITLS_KEEP      if set (by whoever runs the test), $T is kept
#   BIN        the directory of the programs under test, first in PATH:
#              UCSPITLS_TEST_BINDIR if set (make check-musl sets it to the
#              musl build's), otherwise "$TOP/src"
#   UCSPITLS_TEST_WRAPDIR  if set, a directory put before "$TOP/src" in
#              PATH: wrappers that run the programs under a tool
#              (tests/valgrind-run makes one)
#
# Apps (tests/apps/, each documented at its top): smtpish.py (the SMTP-like
# UCSPI-TLS server app), dumpenv.py (env + open fds to a file),
# tlsclient.py (scripted Python ssl client), chat.py (drives s_client /
# gnutls-cli line by line), record-exit (appends prog's exit status),
# facts-check.py (the session facts of a Y block or of a dumpenv dump:
# names, order, values, escaping, the layout for s/qmail's reader).
#
# The helpers live in tests/lib/, a file per concern, each documented at
# its top:
#   assert.sh     fail, pass, assert_*, wait_*, with_timeout, say
#   procs.sh      start_bg, start_tcpserver, stop, free_port, wait_port,
#                 the stray-process checks and the EXIT trap (cleanup)
#   certs.sh      certs (the test certificates and their variables)
#   sessions.sh   starttls, sclient_first (s_client STARTTLS sessions)
#   hostile.sh    hostile_server, hostile, expect_end, ... (hostile peers)
#   smtpd.sh      exim_conf, start_smtpd (starttls-smtpd in front of exim)
#   mailutils.sh  mu_pop3d_conf, start_pop3d, start_imapd (starttls-pop3d
#                 and starttls-imapd in front of mailutils pop3d, imap4d)
#   halfclose.sh  halfclose_lane, halfclose_run (the half-close runs)
#   keyproc.sh    conn_prog, conn_procs, wait_keyproc, holdclient (the
#                 processes of a connection: prog, TLS child, key process)
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APPS=$TOP/tests/apps  # used by the tests
BIN=${UCSPITLS_TEST_BINDIR:-$TOP/src}  # the programs under test
PATH=${UCSPITLS_TEST_WRAPDIR:+$UCSPITLS_TEST_WRAPDIR:}$BIN:$PATH
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


for _lib in assert procs certs sessions hostile smtpd halfclose keyproc mailutils; do
  # shellcheck source=/dev/null
  . "$TOP/tests/lib/$_lib.sh"
done
unset _lib

[ -n "${UCSPITLS_CERTS_ONLY:-}" ] || [ -x "$BIN/ucspitlsd" ] || fail "$BIN/ucspitlsd is not built (run make)"
