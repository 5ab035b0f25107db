# tests/lib/sessions.sh -- whole STARTTLS sessions through openssl s_client.
#
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
