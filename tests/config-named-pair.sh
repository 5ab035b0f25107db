#!/bin/bash
# config-named-pair: a pair named after a server name (CERTFILE:name,
# KEYFILE:name) is read only by a handshake that selects it.  Before prog
# runs, only its being whole is checked (config-errors); a named pair
# whose certificate file is missing, or whose key is not its
# certificate's, does not stop the service: connections for other names
# work, and a handshake for that name fails -- the client gets a fatal
# alert, the TLS child exits 96 with one line naming the file and its -v2
# line says end=error -- in both modes, with no process left.
# `ucspitlsd -C` reports the same pair before the service starts.
. "$(dirname "$0")/lib.sh"
certs

# a named pair that every connection's check lets through
broken=("CERTFILE:mail.example.org=$T/nonexistent.pem" "KEYFILE:mail.example.org=$MAIL_KEY")
mismatch=("CERTFILE:mail.example.org=$MAIL_CERT" "KEYFILE:mail.example.org=$SRV_KEY")

# session NAME SNI STEPS... -- a Python ssl client to server NAME
session() {
  local name=$1 sni=$2 port; shift 2
  eval "port=\$PORT_$name"
  with_timeout 30 "$PY" "$APPS/tlsclient.py" -p "$port" --sni "$sni" "$@" >"$T/$name.client" 2>&1
}

for case in broken mismatch; do
  eval "pair=(\"\${$case[@]}\")"
  # immediate mode: the wrapper itself exits with the TLS child's code
  # (names with a colon cannot be set by the shell: env sets them)
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY start_tcpserver "i$case" "$APPS/record-exit" "$T/i$case.wrapper" \
    env "${pair[@]}" ucspitlsd -v2 -i "$PY" "$APPS/echo-wait.py" "$T/i$case.child"
  eval "PORT_i$case=\$PORT"
  session "i$case" localhost tls 'send hello' 'line ^hello' || fail "$case: the default pair does not work: $(cat "$T/i$case.client")"
  wait_lines "$T/i$case.wrapper" 1
  wait_lines "$T/i$case.err" 1
  before=$(wc -l <"$T/i$case.err")
  session "i$case" mail.example.org tls && fail "$case: the handshake for mail.example.org worked"
  grep -q 'alert\|ALERT\|handshake' "$T/i$case.client" || fail "$case: the client saw no failed handshake: $(cat "$T/i$case.client")"
  wait_lines "$T/i$case.wrapper" 2
  assert_eq "exit 96" "$(sed -n 2p "$T/i$case.wrapper")" "$case: -i wrapper status for mail.example.org"
  # one fatal line naming the file, then the -v2 line
  wait_lines "$T/i$case.err" $((before + 2))
  tail -n +$((before + 1)) "$T/i$case.err" >"$T/i$case.new"
  assert_eq 2 "$(wc -l <"$T/i$case.new")" "$case: lines on stderr for the failed handshake"
  f=${pair[0]#*=}; [ "$case" = mismatch ] && f=${pair[1]#*=}
  sed -n 1p "$T/i$case.new" | grep -q "^ucspitlsd: fatal: .*$f" || fail "$case: the fatal line does not name $f: $(sed -n 1p "$T/i$case.new")"
  sed -n 2p "$T/i$case.new" | grep -q ' sni=mail.example.org .* end=error$' || fail "$case: no -v2 line with end=error: $(sed -n 2p "$T/i$case.new")"
  wait_no_ucspitlsd

  # delayed mode: prog runs, the TLS child exits 96
  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_STATUS_FILE=$T/d$case.child TEST_LOG=$T/d$case.log \
    start_tcpserver "d$case" env "${pair[@]}" ucspitlsd -v2 "$PY" "$APPS/smtpish.py" y
  eval "PORT_d$case=\$PORT"
  session "d$case" mail.example.org 'reply 220' 'send EHLO x' 'reply 250' 'send STARTTLS' 'reply 220' tls \
    && fail "$case: the delayed handshake for mail.example.org worked"
  wait_lines "$T/d$case.child" 1
  assert_eq "exit 96" "$(sed -n 1p "$T/d$case.child")" "$case: delayed TLS child status for mail.example.org"
  grep -q "^ucspitlsd: fatal: .*$f" "$T/d$case.err" || fail "$case: delayed: no fatal line naming $f: $(cat "$T/d$case.err")"
  wait_no_ucspitlsd

  # the check mode finds it before the service starts
  with_timeout 20 env -u CAFILE -u CADIR "${pair[@]}" CERTFILE="$SRV_CERT" KEYFILE="$SRV_KEY" \
    ucspitlsd -C >"$T/check.out" 2>"$T/check.err"
  assert_eq 96 "$?" "$case: ucspitlsd -C exit status"
  grep -q "^ucspitlsd: fatal: .*$f" "$T/check.err" || fail "$case: -C does not name $f: $(cat "$T/check.err")"
done
pass
