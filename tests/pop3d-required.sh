#!/bin/bash
# pop3d-required: starttls-pop3d -r behind mailutils' pop3d.  Before TLS,
# every command but CAPA, STLS, NOOP and QUIT is refused with
# "-ERR TLS required" (NOOP reaches pop3d, which answers it itself:
# "-ERR Incorrect state" in the AUTHORIZATION state); after STLS,
# USER/PASS and STAT work.
. "$(dirname "$0")/lib.sh"
certs
start_pop3d srv -r
with_timeout 40 "$PY" "$APPS/tlsclient.py" -p "$PORT" --ca "$CA" --sni localhost \
  'line ^\+OK' 'send STAT' 'line ^-ERR TLS required' 'send NOOP' 'line ^(\+OK|-ERR Incorrect state)' \
  'send STLS' 'line ^\+OK Begin TLS' tls \
  'send USER alice@example.org' 'line ^\+OK' 'send PASS secret' 'line ^\+OK' \
  'send STAT' 'line ^\+OK 1 ' 'send QUIT' 'line ^\+OK' eof \
  >"$T/py.log" 2>&1 || fail "-r session failed: $(tail -n 5 "$T/py.log")"
pass
