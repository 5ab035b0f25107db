#!/bin/bash
# client-fds-closed: ucspitlsc started with fds 0 and 1 closed by its
# caller (and, second run, fd 2 as well).  It must make sure 0, 1 and 2
# are open (on /dev/null) before it allocates any fd, so that none of
# SSLCTLFD, SSLREADFD, SSLWRITEFD is 0, 1 or 2: prog's stdout must never
# land on the control channel, and UCSPI-TLS applications take fd 0 for
# "no fd".  prog finds fds 0, 1 (and 2) on /dev/null, and a STARTTLS
# session (tests/apps/client-smtp, against ucspitlsd + smtpish) works:
# the message is queued, both TLS children exit 0.
. "$(dirname "$0")/lib.sh"
certs

CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY TEST_STATUS_FILE=$T/srv.status \
  start_tcpserver srv ucspitlsd "$PY" "$APPS/smtpish.py" y
export CAFILE=$CA

# what prog was given, then the session
cat >"$T/record" <<'SHEOF'
#!/bin/bash
out=$1; shift
r="ctl $SSLCTLFD read $SSLREADFD write $SSLWRITEFD"
for fd in 0 1 2; do r="$r
fd $fd $(readlink "/proc/$$/fd/$fd" 2>/dev/null || echo closed)"; done
printf '%s\n' "$r" >"$out.tmp" && mv "$out.tmp" "$out"
exec "$@"
SHEOF
chmod +x "$T/record"

n=0
for closed in "0<&- 1>&-" "0<&- 1>&- 2>&-"; do
  n=$((n + 1))
  with_timeout 40 tcpclient -RHl0 127.0.0.1 "$PORT" \
    bash -c "exec $closed; exec \"\$@\"" closer \
    ucspitlsc -v2 -k localhost "$T/record" "$T/fds$n" \
    "$PY" "$APPS/client-waitchild.py" "$T/c$n.status" "$APPS/client-smtp" y "$T/c$n.log" \
    >"$T/c$n.out" 2>"$T/c$n.err"
  rc=$?
  wait_file "$T/fds$n"
  read -r _ ctl _ r _ w <"$T/fds$n"
  for v in "$ctl" "$r" "$w"; do
    case $v in ''|*[!0-9]*) fail "run $n ($closed): SSL fd variables: $(head -n 1 "$T/fds$n")" ;; esac
    [ "$v" -ge 3 ] || fail "run $n ($closed): an SSL fd is one of 0 1 2: $(head -n 1 "$T/fds$n")"
  done
  for fd in 0 1; do
    assert_eq "fd $fd /dev/null" "$(grep "^fd $fd " "$T/fds$n")" "run $n ($closed): prog's fd $fd"
  done
  [ "$n" = 1 ] || assert_eq "fd 2 /dev/null" "$(grep "^fd 2 " "$T/fds$n")" "run $n ($closed): prog's fd 2"
  assert_eq 0 "$rc" "run $n ($closed): the client's exit status ($(tail -n 3 "$T/c$n.log" 2>/dev/null | tr '\n' '|'))"
  assert_eq "prog exit 0
tls exit 0" "$(cat "$T/c$n.status")" "run $n ($closed): the client's statuses"
  assert_file_contains "$T/c$n.log" "S: 221 2.0.0 Bye"
  wait_lines "$T/srv.status" "$n"
  assert_eq "exit 0" "$(sed -n "${n}p" "$T/srv.status")" "run $n: the server's TLS child"
done
assert_file_contains "$T/c1.err" " end=ok" "the client's -v2 line (fd 2 open)"
wait_no_ucspitlsd
pass
