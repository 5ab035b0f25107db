#!/bin/bash
# key-not-in-memory: during an established session (handshake done, 50
# lines of 1000 bytes echoed each way, then idle), the private key's
# secret is in the memory of none of the processes of the connection:
# every process that holds the connection's socket, prog, and whatever
# runs under prog (the TLS child).  On the server, also before the
# ClientHello: then none but the key process may hold it (in immediate
# mode prog is then still the ucspitlsd that checked the key and forked
# the TLS child: it must have wiped what it read).  tests/apps/memscan.py reads, as root,
# every readable mapping of /proc/PID/maps through /proc/PID/mem and
# looks for the EC private scalar, the RSA primes p and q (and d, dp, dq,
# qinv), each big-endian, little-endian and in BearSSL's i31 and i15
# limbs, whole or in part; and for the key file's DER bytes, its PEM text
# and each PEM line that encodes a secret.  Cases: ucspitlsd delayed
# (STARTTLS, EC and RSA keys), ucspitlsd -i (EC and RSA), ucspitlsc -i -y
# (the client certificate's EC key) against ucspitlsd -i -y.  And the
# layout where CERTFILE and KEYFILE name one file that holds both the
# certificate and the key (EC: certificate first; RSA: key first):
# ucspitlsd -i (the TLS child, and before the ClientHello the ucspitlsd
# that read the file and execs prog), ucspitlsc -i -y with such a file
# for its client certificate, EC and RSA; the chain loader reads that
# file too, and must leave nothing of the key behind.
# The scan is first shown to find what it looks for: in a process that
# holds a key file's bytes and the integers that `openssl pkey -text`
# prints (big-endian: a control independent of memscan's DER parser), and
# in openssl s_server, which holds its key as BIGNUMs (little-endian).
. "$(dirname "$0")/lib.sh"
certs

if [ "$(id -u)" != 0 ]; then
  say "key-not-in-memory: not root, cannot read other processes' memory; nothing checked"
  pass
fi

scan() { "$PY" "$APPS/memscan.py" scan "$@"; }

# the secrets memscan derives from the files are the ones openssl prints
for k in "$SRV_KEY" "$RSA_KEY" "$CLIENT_KEY"; do
  "$PY" "$APPS/memscan.py" secrets "$k" >"$T/secrets" || fail "memscan secrets $k: $(cat "$T/secrets")"
  grep -q '^secret ' "$T/secrets" || fail "memscan found no secret in $k"
done

# 1. the controls: the scan finds the secrets where they are
n=0
for k in "$SRV_KEY:ec-x" "$RSA_KEY:rsa-p" "$RSA_KEY_PKCS1:rsa-q"; do
  n=$((n + 1))
  key=${k%:*} what=${k##*:} b=$(basename "${k%:*}")
  start_bg hold$n "$PY" "$APPS/memscan.py" hold "$key" "$T/hold$n.ready" 60
  wait_file "$T/hold$n.ready"
  "$PY" "$APPS/memscan.py" secrets "$key" | sed -n 's/^secret \([^ ]*\) [0-9]* /openssl \1 /p' | sort >"$T/mine$n"
  sed 1d "$T/hold$n.ready" | sort >"$T/theirs$n"
  cmp -s "$T/mine$n" "$T/theirs$n" \
    || fail "memscan's secrets of $key differ from openssl's: $(diff "$T/mine$n" "$T/theirs$n" | tr '\n' '|')"
  scan --key "$key" --pid "$(eval echo "\$PID_hold$n")=control" >"$T/control$n.scan"
  assert_eq 1 "$?" "memscan on a process holding $key (exit status)"
  for f in "$b:$what:be" "$b:file:der" "$b:file:pem"; do
    grep -q "^found .* $f at " "$T/control$n.scan" \
      || fail "memscan did not find $f in the control process: $(grep -v pem-line "$T/control$n.scan" | tr '\n' '|')"
  done
  stop hold$n
done
n=0
for k in "$SRV_KEY:$SRV_CERT:ec-x" "$RSA_KEY:$RSA_CERT:rsa-p"; do
  n=$((n + 1))
  IFS=: read -r key cert what <<<"$k"
  port=$(free_port)
  start_bg sserver$n openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$cert" -key "$key"
  wait_port "$port"
  scan --key "$key" --pid "$(eval echo "\$PID_sserver$n")=s_server" >"$T/sserver$n.scan"
  assert_eq 1 "$?" "memscan on openssl s_server -key $key (exit status)"
  grep -q "^found .* $(basename "$key"):$what:le at " "$T/sserver$n.scan" \
    || fail "memscan did not find $what (le) in openssl s_server: $(tr '\n' '|' <"$T/sserver$n.scan")"
  stop sserver$n
done

# check NAME KEY PROG TLSNAME SCANARGS... -- scan the processes of the
# connection of NAME but its key process, if it has one: the TLS child
# must be among the processes read, and nothing found
check() {
  local name=$1 key=$2 prog=$3 tlsname=$4 k ex=(); shift 4
  conn_procs "$prog" "$tlsname"
  [ -n "$CONN_TLS" ] || fail "$name: prog $prog has no $tlsname child"
  for k in $CONN_KEYS; do ex+=(--exclude "$k"); done
  scan --key "$key" --tree "$prog=prog" --min 2 "${ex[@]}" "$@" >"$T/$name.scan"
  local rc=$?
  [ "$rc" != 2 ] || fail "$name: the scan failed: $(cat "$T/$name.scan")"
  grep -q "^proc $prog " "$T/$name.scan" || fail "$name: prog $prog was not scanned"
  grep -q "^proc $CONN_TLS $tlsname " "$T/$name.scan" || fail "$name: the TLS child $CONN_TLS was not scanned"
  if [ "$rc" != 0 ]; then
    say "$name: the private key is in the memory of the connection's processes:"
    grep -v '^found .*:pem-line' "$T/$name.scan" >&2
    fail "$name: key material found in process memory"
  fi
  say "$name: $(grep -c '^proc ' "$T/$name.scan") processes scanned ($(sed -n 's/^proc \([^ ]* [^ ]* [^ ]*\).*/\1/p' "$T/$name.scan" | tr '\n' ';')), nothing found${CONN_KEYS:+ (key process $CONN_KEYS not scanned)}"
  if grep -q '^skipped ' "$T/$name.scan"; then sed -n 's/^skipped /  skipped: /p' "$T/$name.scan" >&2; fi
}

# server NAME KEY CERT OPTS... -- a session to ucspitlsd OPTS (smtpish.py
# as prog; KEYFILE=$COMBINED if set, else KEY), scanned while the handshake waits for the ClientHello (after
# the 220 to STARTTLS in delayed mode; in immediate mode prog is then
# still ucspitlsd, which read the key for its configuration check), and
# once established
server() {
  local name=$1 key=$2 cert=$3 starttls=--starttls; shift 3
  case " $* " in *' -i '*) starttls="" ;; esac
  CERTFILE=$cert KEYFILE=${COMBINED:-$key} TEST_STATUS_FILE=$T/$name.status start_tcpserver "$name" \
    ucspitlsd "$@" "$PY" "$APPS/smtpish.py" y
  holdclient "${name}_c" -p "$PORT" --ca "$CA" --gate $starttls
  hold_wait "${name}_c" connected
  conn_prog "$(eval echo "\$PID_$name")"
  wait_for 5 eval 'conn_procs "$CONN_PROG"; [ -n "$CONN_TLS" ]' || fail "$name: no TLS child"
  wait_for 2 _has_keyproc "$CONN_PROG" ucspitlsd || :  # so that it is not scanned
  check "${name}_before" "$key" "$CONN_PROG" ucspitlsd --sock "local=$PORT"
  touch "$T/${name}_c.d/hello"
  hold_wait "${name}_c" ready 30
  conn_prog "$(eval echo "\$PID_$name")"
  check "$name" "$key" "$CONN_PROG" ucspitlsd --sock "local=$PORT"
  touch "$T/${name}_c.d/go"
  wait_gone "$(eval echo "\$PID_${name}_c")" 20 || fail "$name: the client did not end"
  assert_file_contains "$T/${name}_c.out" ok "$name client"
  wait_lines "$T/$name.status" 1 20
  assert_eq "exit 0" "$(cat "$T/$name.status")" "$name: TLS child status"
  stop "$name"
}

# 2. ucspitlsd, delayed and immediate, EC and RSA
server delayed_ec "$SRV_KEY" "$SRV_CERT"
server delayed_rsa "$RSA_KEY" "$RSA_CERT"
server immediate_ec "$SRV_KEY" "$SRV_CERT" -i
server immediate_rsa "$RSA_KEY" "$RSA_CERT" -i

# 3. ucspitlsc -i -y: the client certificate's key is in none of the
# client's processes but its key process, while the handshake waits for a
# server that never answers; in none once a session is established (with
# ucspitlsd -i -y, which asks for the certificate)
# client NAME KEY CERTFILE KEYFILE
client() {
  local name=$1 key=$2 cert=$3 keyfile=$4
  start_bg "${name}_silent" "$PY" "$APPS/silent-server.py" "$T/${name}_silent.port"
  wait_file "$T/${name}_silent.port"
  CERTFILE=$cert KEYFILE=$keyfile CAFILE=$CA start_bg "${name}_0" \
    tcpclient -RHl0 127.0.0.1 "$(cat "$T/${name}_silent.port")" ucspitlsc -i -y -K 20000 -k localhost true
  local pid0
  pid0=$(eval echo "\$PID_${name}_0")
  wait_for 5 eval 'conn_procs "$pid0" ucspitlsc; [ -n "$CONN_TLS" ]' || fail "$name: no TLS child"
  wait_for 2 _has_keyproc "$pid0" ucspitlsc || :
  check "${name}_before" "$key" "$pid0" ucspitlsc --sock "remote=$(cat "$T/${name}_silent.port")"
  stop "${name}_0"
  stop "${name}_silent"

  CERTFILE=$SRV_CERT KEYFILE=$SRV_KEY CAFILE=$CA TEST_STATUS_FILE=$T/${name}_srv.status \
    start_tcpserver "${name}_srv" ucspitlsd -i -y "$PY" "$APPS/smtpish.py"
  mkdir -p "$T/$name.d"
  CERTFILE=$cert KEYFILE=$keyfile CAFILE=$CA PYTHONPATH=$APPS start_bg "$name" \
    tcpclient -RHl0 127.0.0.1 "$PORT" ucspitlsc -i -y -k localhost \
    "$PY" "$APPS/holdclient.py" --ucspi 6,7 --dir "$T/$name.d"
  hold_wait "$name" ready 30
  local pid
  pid=$(eval echo "\$PID_$name")
  check "$name" "$key" "$pid" ucspitlsc --sock "remote=$PORT"
  touch "$T/$name.d/go"
  wait_gone "$pid" 20 || fail "$name: ucspitlsc's prog did not end"
  assert_file_contains "$T/$name.out" ok "$name session"
  wait_lines "$T/${name}_srv.status" 1 20
  assert_eq "exit 0" "$(cat "$T/${name}_srv.status")" "$name: ucspitlsd -i -y status (the client certificate was accepted)"
  stop "${name}_srv"
}
client client "$CLIENT_KEY" "$CLIENT_CERT" "$CLIENT_KEY"

# 4. one file for CERTFILE and KEYFILE, on both programs
cat "$SRV_CERT" "$SRV_KEY" >"$T/ec-combined.pem"
cat "$RSA_KEY" "$RSA_CERT" >"$T/rsa-combined.pem"
COMBINED=$T/ec-combined.pem server combined_ec "$SRV_KEY" "$T/ec-combined.pem" -i
COMBINED=$T/rsa-combined.pem server combined_rsa "$RSA_KEY" "$T/rsa-combined.pem" -i
COMBINED=$T/ec-combined.pem server combined_ec_delayed "$SRV_KEY" "$T/ec-combined.pem"
leaf_cert rsaclient /CN=rsaclient/O=Test clientAuth rsa
cat "$CLIENT_CERT" "$CLIENT_KEY" >"$T/client-combined.pem"
cat "$T/rsaclient.key" "$T/rsaclient.pem" >"$T/rsaclient-combined.pem"
client client_combined_ec "$CLIENT_KEY" "$T/client-combined.pem" "$T/client-combined.pem"
client client_combined_rsa "$T/rsaclient.key" "$T/rsaclient-combined.pem" "$T/rsaclient-combined.pem"
pass
